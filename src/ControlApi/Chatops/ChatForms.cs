using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace ControlApi.Chatops;

/// <summary>
/// The fields ControlApi reads from a Slack slash command (form-urlencoded). Parsed from the same
/// raw bytes the signature covered, never from a re-encoded copy.
/// </summary>
public sealed record SlackSlashCommand(
    string? UserId, string? UserName, string? Text, string? Command, string? ResponseUrl, string? ChannelId, string? TeamId)
{
    public static SlackSlashCommand Parse(ReadOnlySpan<byte> body)
    {
        var form = ChatForm.Parse(body);
        return new SlackSlashCommand(form.Get("user_id"), form.Get("user_name"), form.Get("text"), form.Get("command"),
            form.Get("response_url"), form.Get("channel_id"), form.Get("team_id"));
    }

    public ChatRequest ToRequest() => new(ChatPlatforms.Slack, new ChatUser(UserId ?? "", UserName ?? ""), Unescape(Text), ChannelId);

    /// <summary>Slack escapes &amp;, &lt; and &gt; in message text.</summary>
    private static string Unescape(string? text) =>
        (text ?? "").Replace("&lt;", "<", StringComparison.Ordinal).Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);
}

/// <summary>
/// A Mattermost slash command or outgoing webhook (form-urlencoded). Outgoing webhooks repeat the
/// trigger word at the start of <c>text</c>; it is not part of the command.
/// </summary>
public sealed record MattermostCommand(
    string? Token, string? UserId, string? UserName, string? Text, string? TriggerWord, string? ResponseUrl, string? ChannelId)
{
    public static MattermostCommand Parse(ReadOnlySpan<byte> body)
    {
        var form = ChatForm.Parse(body);
        return new MattermostCommand(form.Get(MattermostTokenVerifier.TokenField), form.Get("user_id"), form.Get("user_name"), form.Get("text"),
            form.Get("trigger_word"), form.Get("response_url"), form.Get("channel_id"));
    }

    public ChatRequest ToRequest()
    {
        var text = (Text ?? "").Trim();
        if (!string.IsNullOrEmpty(TriggerWord) && text.StartsWith(TriggerWord, StringComparison.OrdinalIgnoreCase))
            text = text[TriggerWord.Length..].Trim();
        return new ChatRequest(ChatPlatforms.Mattermost, new ChatUser(UserId ?? "", UserName ?? ""), text, ChannelId);
    }
}

/// <summary>The parts of a Teams outgoing-webhook activity ControlApi reads.</summary>
public sealed partial record TeamsActivity(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("from")] TeamsAccount? From,
    [property: JsonPropertyName("conversation")] TeamsConversation? Conversation,
    [property: JsonPropertyName("timestamp")] DateTimeOffset? Timestamp = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = 32 };

    /// <summary>The activity, or null when the body is not a JSON object.</summary>
    public static TeamsActivity? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<TeamsActivity>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The command: the text without the <c>&lt;at&gt;Bot&lt;/at&gt;</c> mention that triggered the
    /// webhook, with Teams' HTML entities and tags reduced to plain text.
    /// </summary>
    public string CommandText()
    {
        var text = Mention().Replace(Text ?? "", " ");
        text = System.Net.WebUtility.HtmlDecode(Tag().Replace(text, " "));
        return Whitespace().Replace(text, " ").Trim();
    }

    /// <summary>The Entra (AAD) object id is stable across chats; the channel account id is the fallback.</summary>
    public ChatRequest ToRequest() => new(
        ChatPlatforms.Teams,
        new ChatUser(From?.AadObjectId is { Length: > 0 } aad ? aad : From?.Id ?? "", From?.Name ?? ""),
        CommandText(),
        Conversation?.Id);

    [GeneratedRegex("<at>.*?</at>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Mention();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    // Includes the no-break space Teams puts after a mention.
    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

public sealed record TeamsAccount(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("aadObjectId")] string? AadObjectId);

public sealed record TeamsConversation([property: JsonPropertyName("id")] string? Id);

/// <summary>Form-urlencoded fields ('+' is a space), first value of each.</summary>
public sealed class ChatForm
{
    private readonly Dictionary<string, Microsoft.Extensions.Primitives.StringValues> _fields;

    private ChatForm(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> fields) => _fields = fields;

    public static ChatForm Parse(ReadOnlySpan<byte> body) => new(QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)));

    public string? Get(string name) => _fields.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;
}
