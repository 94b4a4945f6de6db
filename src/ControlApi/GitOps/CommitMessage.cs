using System.Globalization;
using System.Text;

namespace ControlApi.GitOps;

/// <summary>
/// The message of a revision's commit: a subject naming what changed, a body saying why and who
/// asked, and the <c>ControlApi-Revision</c> trailer that makes the commit findable after a crash.
/// Every caller-supplied part is flattened to one line, so no reason or name can add paragraphs or
/// forge a trailer.
/// </summary>
public sealed record CommitMessage
{
    public const string RevisionTrailerKey = "ControlApi-Revision";

    /// <summary>Git tooling (and people) read subjects up to about 72 characters.</summary>
    public const int MaxSubjectLength = 72;

    private const int MaxLineLength = 1000;

    /// <summary>The area the change is about, the subject's prefix (e.g. <c>cilium</c>).</summary>
    public string Scope { get; init; } = "cilium";

    /// <summary>What changed, as short phrases: <c>enable encryption (wireguard)</c>, <c>disable host-firewall</c>.</summary>
    public required IReadOnlyList<string> Changes { get; init; }

    /// <summary>Every rendered value the commit changes, one line each (<c>encryption.enabled: false → true</c>).</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    public required string ClusterId { get; init; }
    public required long Revision { get; init; }

    /// <summary>Who asked: the API key's name.</summary>
    public required string Author { get; init; }

    /// <summary>The human a bot acts for, if any.</summary>
    public string? OnBehalfOf { get; init; }

    public string? Reason { get; init; }

    /// <summary>A rollback names the revision it restores first in the subject: <c>cilium: rollback to 3, disable encryption</c>.</summary>
    public int? RollbackTo { get; init; }

    /// <summary>
    /// A second commit of the same revision (a canary's promotion: <c>promote</c>) has a trailer of its
    /// own, <c>goldentooth/7/promote</c>, so finding the first after a crash never stands in for it.
    /// </summary>
    public string? Step { get; init; }

    /// <summary>The trailer value identifying this revision, e.g. <c>goldentooth/7</c>.</summary>
    public string RevisionTrailerValue
    {
        get
        {
            var cluster = SingleLine(ClusterId);
            if (cluster.Length == 0 || cluster.Contains(' ') || cluster.Contains('/'))
            {
                throw new ArgumentException($"'{ClusterId}' cannot be used as a cluster id in a commit trailer.", nameof(ClusterId));
            }

            return Step is { Length: > 0 } step
                ? string.Create(CultureInfo.InvariantCulture, $"{cluster}/{Revision}/{SingleLine(step).Replace(' ', '-')}")
                : string.Create(CultureInfo.InvariantCulture, $"{cluster}/{Revision}");
        }
    }

    public string Subject
    {
        get
        {
            var prefix = SingleLine(Scope) is { Length: > 0 } scope ? scope + ": " : "";
            var phrases = Changes.Select(SingleLine).Where(p => p.Length > 0).ToList();
            if (RollbackTo is { } target) phrases.Insert(0, string.Create(CultureInfo.InvariantCulture, $"rollback to {target}"));
            if (phrases.Count == 0) return prefix + "update settings";

            // Fit as many phrases as the subject allows and count the rest; the body lists them all.
            var subject = prefix + phrases[0];
            for (var i = 1; i < phrases.Count; i++)
            {
                var remaining = phrases.Count - i - 1;
                var candidate = $"{subject}, {phrases[i]}";
                var suffix = remaining > 0 ? $", and {remaining} more" : "";
                if ((candidate + suffix).Length > MaxSubjectLength)
                {
                    return $"{subject}, and {phrases.Count - i} more";
                }

                subject = candidate;
            }

            return subject;
        }
    }

    /// <summary>The full message in git's layout: subject, blank line, body, blank line, trailers.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.Append(Subject).Append("\n\n");

        var phrases = Changes.Select(SingleLine).Where(p => p.Length > 0).ToList();
        if (phrases.Count > 1)
        {
            text.Append("Changes:\n");
            foreach (var phrase in phrases) text.Append("- ").Append(phrase).Append('\n');
            text.Append('\n');
        }

        var values = Values.Select(SingleLine).Where(v => v.Length > 0).ToList();
        if (values.Count > 0)
        {
            text.Append("Values:\n");
            foreach (var value in values) text.Append("- ").Append(value).Append('\n');
            text.Append('\n');
        }

        var reason = SingleLine(Reason);
        text.Append("Reason: ").Append(reason.Length > 0 ? reason : "(none given)").Append('\n');
        text.Append("Requested by: ").Append(SingleLine(Author) is { Length: > 0 } author ? author : "(unknown)");
        if (SingleLine(OnBehalfOf) is { Length: > 0 } human) text.Append(" on behalf of ").Append(human);
        text.Append("\n\n");

        // The trailer block must be the last paragraph and hold only trailers for git to parse it.
        text.Append(RevisionTrailerKey).Append(": ").Append(RevisionTrailerValue).Append('\n');
        return text.ToString();
    }

    public override string ToString() => Render();

    /// <summary>Control characters (newlines included) become spaces, runs of whitespace one space.</summary>
    internal static string SingleLine(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return "";
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c is '\u2028' or '\u2029')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }

        var line = builder.ToString();
        return line.Length <= MaxLineLength ? line : line[..MaxLineLength] + "…";
    }
}
