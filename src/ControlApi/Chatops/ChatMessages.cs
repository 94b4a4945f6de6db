using System.Globalization;
using ControlApi.Core.Features;

namespace ControlApi.Chatops;

/// <summary>Sentences people read in chat, named once. Values a user typed are shown with <see cref="Code"/>.</summary>
public static class ChatMessages
{
    public const string NameAFeature = "Name a feature.";
    public const string SayOnOrOff = "Say `on` or `off` after the feature, e.g. `plan encryption on`.";
    public const string NameARevision = "Name the revision to go back to by its number, e.g. `rollback 3`.";
    public const string AuditedRefusal = "This refusal is recorded in the audit log.";

    public static string NameARevisionToDecide(string verb) => $"Name the revision that waits for approval by its number, e.g. `{verb} 3`.";

    public const string SayWhyYouReject = "Say why after the revision, e.g. `reject 3 not during the sale`: the author reads it.";

    public static string TooManyWords(string verb) => $"Too many words: `{verb}` takes at most a cluster name.";

    public static string UnknownFeature(string word, string? suggestion) =>
        $"{Code(word)} is not a feature I switch.{(suggestion is null ? "" : $" Did you mean `{suggestion}`?")}";

    public static string DidYouMeanCluster(string word, string cluster) =>
        $"{Code(word)} looks like the cluster `{cluster}` but is not its name; nothing was done. Write the cluster name exactly (or leave it out for the default cluster).";

    public static string FeatureList => string.Join(", ", FeatureCatalog.All.Select(f => $"`{f.Name}`"));

    public static string ClusterList(IEnumerable<string> clusters) => string.Join(", ", clusters.Select(c => $"`{c}`"));

    /// <summary>Shows text a user typed as a code span: no formatting, no mentions, one line, bounded.</summary>
    public static string Code(string? value, int maxLength = 200)
    {
        var text = new string((value ?? "").Select(c => c == '`' ? '\'' : char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        if (text.Length > maxLength) text = text[..maxLength] + "…";
        return text.Length == 0 ? "` `" : $"`{text}`";
    }

    public static string Short(string? sha) => GitOps.CommitIds.Short(sha);

    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Duration(TimeSpan span) => span.TotalMinutes >= 1
        ? $"{(int)span.TotalMinutes} min{(span.Seconds > 0 ? $" {span.Seconds} s" : "")}"
        : $"{Math.Max(0, (int)span.TotalSeconds)} s";
}
