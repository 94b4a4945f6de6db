using System.Globalization;
using System.Text.RegularExpressions;
using ControlApi.Core.Features;

namespace ControlApi.Chatops;

/// <summary>
/// Turns the text after the slash command into a <see cref="ChatCommand"/>. Pure: the known cluster
/// ids come in, so a word after a feature can be told apart from the start of a reason.
/// </summary>
public static partial class ChatCommandParser
{
    /// <summary>Words that may stand before a cluster name: "enable encryption on goldentooth".</summary>
    private static readonly string[] ClusterPrepositions = ["on", "in", "for"];

    public static ChatCommand Parse(string? text, IReadOnlyCollection<string> clusters)
    {
        var input = text ?? "";
        var words = Word().Matches(input).Select(m => new Token(m.Value, m.Index)).ToList();
        if (words.Count == 0) return new ChatCommand.Help();

        var verb = words[0].Value.ToLowerInvariant();
        var rest = words.Skip(1).ToList();
        return verb switch
        {
            ChatVerbs.Help or "?" => new ChatCommand.Help(),
            ChatVerbs.Status => OnlyCluster(verb, rest, cluster => new ChatCommand.Status(cluster)),
            ChatVerbs.Features => OnlyCluster(verb, rest, cluster => new ChatCommand.Features(cluster)),
            ChatVerbs.History => OnlyCluster(verb, rest, cluster => new ChatCommand.History(cluster)),
            ChatVerbs.Enable or ChatVerbs.Disable => Switch(verb, input, rest, clusters),
            ChatVerbs.Plan => Plan(rest),
            ChatVerbs.Rollback => Rollback(input, rest, clusters),
            ChatVerbs.Repair => Repair(input, rest, clusters),
            ChatVerbs.Retrack => Retrack(rest, clusters),
            ChatVerbs.Promote => Promote(rest, clusters),
            ChatVerbs.Approve => Approve(rest, clusters),
            ChatVerbs.Reject => Reject(input, rest, clusters),
            _ => new ChatCommand.Help(words[0].Value),
        };
    }

    private static ChatCommand OnlyCluster(string verb, List<Token> rest, Func<string?, ChatCommand> create)
    {
        var start = rest.Count > 1 && IsPreposition(rest[0].Value) ? 1 : 0;
        return (rest.Count - start) switch
        {
            0 => create(null),
            1 => create(rest[start].Value),
            _ => new ChatCommand.Invalid(verb, ChatMessages.TooManyWords(verb)),
        };
    }

    private static ChatCommand Switch(string verb, string input, List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        if (rest.Count == 0) return new ChatCommand.Invalid(verb, ChatMessages.NameAFeature);
        if (FeatureCatalog.Find(rest[0].Value) is not { } feature) return UnknownFeature(verb, rest[0].Value);

        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        var reason = next < rest.Count ? input[rest[next].Index..].Trim() : null;
        return new ChatCommand.Switch(feature.Name, verb == ChatVerbs.Enable, cluster, reason);
    }

    private static ChatCommand Plan(List<Token> rest)
    {
        const string verb = ChatVerbs.Plan;
        if (rest.Count == 0) return new ChatCommand.Invalid(verb, ChatMessages.NameAFeature);
        if (FeatureCatalog.Find(rest[0].Value) is not { } feature) return UnknownFeature(verb, rest[0].Value);
        if (rest.Count < 2 || ParseSwitch(rest[1].Value) is not { } on) return new ChatCommand.Invalid(verb, ChatMessages.SayOnOrOff);

        var start = rest.Count > 3 && IsPreposition(rest[2].Value) ? 3 : 2;
        return (rest.Count - start) switch
        {
            0 => new ChatCommand.Plan(feature.Name, on, null),
            1 => new ChatCommand.Plan(feature.Name, on, rest[start].Value),
            _ => new ChatCommand.Invalid(verb, ChatMessages.TooManyWords(verb)),
        };
    }

    private static ChatCommand Rollback(string input, List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        const string verb = ChatVerbs.Rollback;
        if (rest.Count == 0 || !int.TryParse(rest[0].Value.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return new ChatCommand.Invalid(verb, ChatMessages.NameARevision);

        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        var reason = next < rest.Count ? input[rest[next].Index..].Trim() : null;
        return new ChatCommand.Rollback(revision, cluster, reason);
    }

    private static ChatCommand Repair(string input, List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        var (cluster, next, problem) = ClusterAt(rest, 0, clusters);
        if (problem is not null) return new ChatCommand.Invalid(ChatVerbs.Repair, problem);
        var reason = next < rest.Count ? input[rest[next].Index..].Trim() : null;
        return new ChatCommand.Repair(cluster, reason);
    }

    private static ChatCommand Retrack(List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        const string verb = ChatVerbs.Retrack;
        if (rest.Count == 0 || !int.TryParse(rest[0].Value.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return new ChatCommand.Invalid(verb, ChatMessages.NameARevision);
        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        // Nothing may follow: a word that is not a cluster is a typo, not a reason.
        if (next < rest.Count) return new ChatCommand.Invalid(verb, ChatMessages.TooManyWords(verb));
        return new ChatCommand.Retrack(revision, cluster);
    }

    private static ChatCommand Promote(List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        const string verb = ChatVerbs.Promote;
        if (rest.Count == 0 || !int.TryParse(rest[0].Value.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return new ChatCommand.Invalid(verb, ChatMessages.NameARevision);
        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        // Nothing may follow: a word that is not a cluster is a typo, and a promotion reaches every node.
        if (next < rest.Count) return new ChatCommand.Invalid(verb, ChatMessages.TooManyWords(verb));
        return new ChatCommand.Promote(revision, cluster);
    }

    private static ChatCommand Approve(List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        const string verb = ChatVerbs.Approve;
        if (rest.Count == 0 || !int.TryParse(rest[0].Value.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return new ChatCommand.Invalid(verb, ChatMessages.NameARevisionToDecide(verb));
        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        // Nothing may follow: a word that is not a cluster is a typo, and an approval must not land on the default cluster by one.
        if (next < rest.Count) return new ChatCommand.Invalid(verb, ChatMessages.TooManyWords(verb));
        return new ChatCommand.Approve(revision, cluster);
    }

    private static ChatCommand Reject(string input, List<Token> rest, IReadOnlyCollection<string> clusters)
    {
        const string verb = ChatVerbs.Reject;
        if (rest.Count == 0 || !int.TryParse(rest[0].Value.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return new ChatCommand.Invalid(verb, ChatMessages.NameARevisionToDecide(verb));
        var (cluster, next, problem) = ClusterAt(rest, 1, clusters);
        if (problem is not null) return new ChatCommand.Invalid(verb, problem);
        if (next >= rest.Count) return new ChatCommand.Invalid(verb, ChatMessages.SayWhyYouReject);
        return new ChatCommand.Reject(revision, cluster, input[rest[next].Index..].Trim());
    }

    /// <summary>
    /// An optional cluster at <paramref name="index"/> ("goldentooth" or "on goldentooth"). Anything
    /// else starts the reason — except a near miss of a known cluster, which is refused rather than
    /// read as a reason: a typo must never send a change to the default cluster.
    /// </summary>
    private static (string? Cluster, int Next, string? Problem) ClusterAt(List<Token> words, int index, IReadOnlyCollection<string> clusters)
    {
        if (index >= words.Count) return (null, index, null);
        if (Known(words[index].Value, clusters) is { } direct) return (direct, index + 1, null);

        var candidate = index;
        if (IsPreposition(words[index].Value) && index + 1 < words.Count)
        {
            if (Known(words[index + 1].Value, clusters) is { } named) return (named, index + 2, null);
            candidate = index + 1;
        }
        if (Nearest(words[candidate].Value, clusters) is { } meant)
            return (null, index, ChatMessages.DidYouMeanCluster(words[candidate].Value, meant));
        return (null, index, null);
    }

    private static string? Known(string word, IReadOnlyCollection<string> clusters) =>
        clusters.FirstOrDefault(c => string.Equals(c, word, StringComparison.OrdinalIgnoreCase));

    private static bool IsPreposition(string word) => ClusterPrepositions.Contains(word, StringComparer.OrdinalIgnoreCase);

    private static ChatCommand UnknownFeature(string verb, string word) =>
        new ChatCommand.Invalid(verb, ChatMessages.UnknownFeature(word, Nearest(word, FeatureCatalog.All.Select(f => f.Name).ToList())));

    private static bool? ParseSwitch(string word) => word.ToLowerInvariant() switch
    {
        "on" or "enable" or "enabled" or "true" => true,
        "off" or "disable" or "disabled" or "false" => false,
        _ => null,
    };

    /// <summary>The candidate within a small edit distance of <paramref name="word"/> (never an exact match), or null.</summary>
    public static string? Nearest(string word, IReadOnlyCollection<string> candidates)
    {
        var allowed = word.Length <= 4 ? 1 : 2;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance > 0 && distance <= allowed && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private sealed record Token(string Value, int Index);

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();
}
