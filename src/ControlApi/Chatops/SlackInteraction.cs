using System.Globalization;
using System.Text.Json;

namespace ControlApi.Chatops;

/// <summary>
/// A click on a button of a ControlApi message in Slack: the <c>block_actions</c> interaction
/// payload (form field <c>payload</c>, JSON) read from the same bytes the signature covered. Only
/// the fields ControlApi uses: <c>type</c>, <c>user.id</c>, <c>user.username</c> (else
/// <c>user.name</c>), <c>actions[0].action_id</c> and <c>.value</c>, <c>response_url</c>,
/// <c>channel.id</c>.
/// </summary>
public sealed record SlackInteraction(string Type, string? UserId, string? UserName, string? ActionId, string? Value, string? ResponseUrl, string? ChannelId)
{
    public const string BlockActions = "block_actions";
    public const string ApproveAction = "approve";
    public const string RejectAction = "reject";

    /// <summary>The button value: which revision of which cluster the message was about.</summary>
    public static string ValueOf(string cluster, int revision) => string.Create(CultureInfo.InvariantCulture, $"{cluster}:{revision}");

    /// <summary>Null when the body carries no JSON <c>payload</c> object.</summary>
    public static SlackInteraction? Parse(ReadOnlySpan<byte> body)
    {
        if (ChatForm.Parse(body).Get("payload") is not { Length: > 0 } payload) return null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var user = Member(root, "user");
            var action = Member(root, "actions") is { ValueKind: JsonValueKind.Array } actions && actions.GetArrayLength() > 0 ? actions[0] : (JsonElement?)null;
            return new SlackInteraction(
                Text(root, "type") ?? "",
                user is { } u ? Text(u, "id") : null,
                user is { } n ? Text(n, "username") ?? Text(n, "name") : null,
                action is { } a ? Text(a, "action_id") : null,
                action is { } v ? Text(v, "value") : null,
                Text(root, "response_url"),
                Member(root, "channel") is { } channel ? Text(channel, "id") : null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The click as the chat command it stands for, so it takes the commands' path (role, person,
    /// audit): <c>approve n cluster</c>, or <c>reject n cluster</c> with a reason saying who clicked.
    /// Null for a click that is not one of ControlApi's buttons.
    /// </summary>
    public ChatRequest? ToRequest()
    {
        if (Type != BlockActions || string.IsNullOrEmpty(UserId) || Value?.Split(':') is not [var cluster, var number] || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
            return null;
        var user = new ChatUser(UserId, UserName ?? "");
        var text = ActionId switch
        {
            ApproveAction => $"approve {revision} {cluster}",
            RejectAction => $"reject {revision} {cluster} rejected in Slack by {user.Person}",
            _ => null,
        };
        return text is null ? null : new ChatRequest(ChatPlatforms.Slack, user, text, ChannelId);
    }

    private static JsonElement? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string? Text(JsonElement element, string name) =>
        Member(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
