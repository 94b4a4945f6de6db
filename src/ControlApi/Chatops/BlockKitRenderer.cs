using System.Text;
using System.Text.Json.Serialization;

namespace ControlApi.Chatops;

/// <summary>A Slack message in Block Kit: the slash command's answer, or a post to its <c>response_url</c>.</summary>
public sealed record SlackMessage(
    [property: JsonPropertyName("response_type")] string ResponseType,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("blocks")] IReadOnlyList<SlackBlock> Blocks,
    [property: JsonPropertyName("replace_original"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ReplaceOriginal = null);

/// <summary>One Block Kit block; only the members its type uses are written.</summary>
public sealed record SlackBlock(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SlackText? Text = null,
    [property: JsonPropertyName("fields"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SlackText>? Fields = null,
    [property: JsonPropertyName("elements"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<object>? Elements = null);

/// <summary>A Block Kit button in an <c>actions</c> block; its <c>action_id</c> and <c>value</c> come back in the interaction payload.</summary>
public sealed record SlackButton(
    [property: JsonPropertyName("action_id")] string ActionId,
    [property: JsonPropertyName("text")] SlackText Text,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("style"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Style = null)
{
    [JsonPropertyName("type")]
    public string Type => "button";
}

public sealed record SlackText(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text)
{
    public static SlackText Markdown(string text) => new("mrkdwn", text);
}

/// <summary>
/// Renders a <see cref="ChatReply"/> as Block Kit, within Slack's limits (3,000 characters a
/// section, 10 fields a section, 50 blocks). Every text is escaped (&amp;, &lt;, &gt;) so nothing a
/// user typed can become a link or a <c>&lt;!channel&gt;</c> mention.
/// </summary>
public static class BlockKitRenderer
{
    public const string Ephemeral = "ephemeral";
    public const string InChannel = "in_channel";
    private const int MaxSectionText = 3000;
    private const int MaxFieldText = 2000;
    private const int MaxFields = 10;
    private const int MaxBlocks = 50;

    /// <param name="followUp">A later post to <c>response_url</c>: added below, never replacing the first answer.</param>
    public static SlackMessage Render(ChatReply reply, bool followUp = false)
    {
        var headline = $"{ChatEmoji.Of(reply.Tone)} {Escape(reply.Headline)}";
        var blocks = new List<SlackBlock> { Section($"*{headline}*") };
        foreach (var block in reply.Blocks)
        {
            switch (block)
            {
                case ChatBlock.Paragraph paragraph:
                    blocks.Add(Section(Escape(paragraph.Text)));
                    break;
                case ChatBlock.Facts facts:
                    foreach (var chunk in facts.Items.Chunk(MaxFields))
                        blocks.Add(new SlackBlock("section", Fields: chunk.Select(f => SlackText.Markdown(Cut($"*{Escape(f.Label)}*\n{Escape(f.Value)}", MaxFieldText))).ToList()));
                    break;
                case ChatBlock.Bullets bullets:
                    foreach (var lines in Lines(bullets.Items.Select(i => "• " + Escape(i))))
                        blocks.Add(Section(lines));
                    break;
                case ChatBlock.Note note:
                    blocks.Add(new SlackBlock("context", Elements: [SlackText.Markdown(Cut(Escape(note.Text), MaxSectionText))]));
                    break;
                case ChatBlock.Decision decision:
                    // value "cluster:revision" comes back with the click (SlackInteraction); the buttons act as the person who clicks.
                    var value = SlackInteraction.ValueOf(decision.Cluster, decision.Revision);
                    blocks.Add(new SlackBlock("actions", Elements:
                    [
                        new SlackButton(SlackInteraction.ApproveAction, new SlackText("plain_text", "Approve"), value, "primary"),
                        new SlackButton(SlackInteraction.RejectAction, new SlackText("plain_text", "Reject"), value, "danger"),
                    ]));
                    blocks.Add(new SlackBlock("context", Elements: [SlackText.Markdown(Cut(Escape(decision.Text), MaxSectionText))]));
                    break;
            }
        }
        return new SlackMessage(
            reply.Visibility == ChatVisibility.Channel ? InChannel : Ephemeral,
            Cut(headline, MaxSectionText), // the notification text, and what clients without blocks show
            blocks.Take(MaxBlocks).ToList(),
            followUp ? false : null);
    }

    /// <summary>Slack's three control characters in message text.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static SlackBlock Section(string markdown) => new("section", SlackText.Markdown(Cut(markdown, MaxSectionText)));

    /// <summary>Groups lines into sections no longer than Slack allows.</summary>
    private static IEnumerable<string> Lines(IEnumerable<string> lines)
    {
        var current = new StringBuilder();
        foreach (var line in lines.Select(l => Cut(l, MaxSectionText)))
        {
            if (current.Length > 0 && current.Length + 1 + line.Length > MaxSectionText)
            {
                yield return current.ToString();
                current.Clear();
            }
            if (current.Length > 0) current.Append('\n');
            current.Append(line);
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

public static class ChatEmoji
{
    public static string Of(ChatTone tone) => tone switch
    {
        ChatTone.Success => "✅",
        ChatTone.Warning => "⚠️",
        ChatTone.Failure => "❌",
        _ => "ℹ️",
    };
}
