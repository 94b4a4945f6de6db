namespace ControlApi.Chatops;

/// <summary>Who sees an answer: only the person who asked (errors, help, reads) or the whole channel (changes).</summary>
public enum ChatVisibility
{
    OnlyYou,
    Channel,
}

public enum ChatTone
{
    Info,
    Success,
    Warning,
    Failure,
}

/// <summary>
/// A platform-independent answer; renderers turn it into Block Kit, Mattermost or Teams messages.
/// Texts may use <c>`code`</c> spans and nothing else, which every platform shows the same way.
/// </summary>
public sealed record ChatReply(ChatVisibility Visibility, ChatTone Tone, string Headline, IReadOnlyList<ChatBlock> Blocks)
{
    /// <summary>The cluster the command was about, once resolved (for the audit).</summary>
    public string? Cluster { get; init; }

    /// <summary>A revision this answer created, whose later progress is worth telling the channel.</summary>
    public TrackedRevision? Tracking { get; init; }
}

public sealed record TrackedRevision(string Cluster, int Revision);

/// <summary>The parts of an answer below its headline.</summary>
public abstract record ChatBlock
{
    public sealed record Paragraph(string Text) : ChatBlock;

    /// <summary>Labelled values, shown as a compact table where the platform has one.</summary>
    public sealed record Facts(IReadOnlyList<ChatFact> Items) : ChatBlock;

    public sealed record Bullets(IReadOnlyList<string> Items) : ChatBlock;

    /// <summary>A quiet line at the end (hints, what happens next).</summary>
    public sealed record Note(string Text) : ChatBlock;

    /// <summary>
    /// A decision someone can take on a held revision: Slack shows Approve and Reject buttons, the
    /// text platforms show <paramref name="Text"/>, which names the commands.
    /// </summary>
    public sealed record Decision(string Cluster, int Revision, string Text) : ChatBlock;
}

public sealed record ChatFact(string Label, string Value);
