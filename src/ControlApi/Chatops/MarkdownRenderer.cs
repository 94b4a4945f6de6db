using System.Text;
using System.Text.Json.Serialization;

namespace ControlApi.Chatops;

/// <summary>A Mattermost slash-command answer (or a post to its <c>response_url</c>).</summary>
public sealed record MattermostMessage(
    [property: JsonPropertyName("response_type")] string ResponseType,
    [property: JsonPropertyName("text")] string Text);

/// <summary>The reply to a Teams outgoing webhook.</summary>
public sealed record TeamsMessage(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text);

/// <summary>
/// Renders a <see cref="ChatReply"/> as Markdown for Mattermost and Teams: bold headline,
/// paragraphs, lists. Teams reads the text as HTML-ish Markdown, so &amp;, &lt; and &gt; are escaped
/// there (no <c>&lt;at&gt;</c> mention can be smuggled in).
/// </summary>
public static class MarkdownRenderer
{
    public static MattermostMessage Mattermost(ChatReply reply) => new(
        reply.Visibility == ChatVisibility.Channel ? BlockKitRenderer.InChannel : BlockKitRenderer.Ephemeral,
        Render(reply, text => text));

    public static TeamsMessage Teams(ChatReply reply) => new("message", Render(reply, EscapeHtml));

    public static string Render(ChatReply reply, Func<string, string> escape)
    {
        var text = new StringBuilder();
        text.Append("**").Append(ChatEmoji.Of(reply.Tone)).Append(' ').Append(escape(reply.Headline)).Append("**");
        foreach (var block in reply.Blocks)
        {
            text.Append("\n\n");
            switch (block)
            {
                case ChatBlock.Paragraph paragraph:
                    text.Append(escape(paragraph.Text));
                    break;
                case ChatBlock.Facts facts:
                    text.AppendJoin('\n', facts.Items.Select(f => $"- **{escape(f.Label)}**: {escape(f.Value)}"));
                    break;
                case ChatBlock.Bullets bullets:
                    text.AppendJoin('\n', bullets.Items.Select(i => "- " + escape(i)));
                    break;
                case ChatBlock.Note note:
                    text.Append('_').Append(escape(note.Text)).Append('_');
                    break;
                case ChatBlock.Decision decision:
                    text.Append(escape(decision.Text));
                    break;
            }
        }
        return text.ToString();
    }

    private static string EscapeHtml(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
