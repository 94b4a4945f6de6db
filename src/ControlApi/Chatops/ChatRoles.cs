using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>What a chat user may do: read (viewer), change and roll back (operator), and approve others' changes (approver).</summary>
public enum ChatRole
{
    Viewer = 1,
    Operator = 2,
    Approver = 3,
}

/// <summary>The role names used in configuration (the same words as API-key roles).</summary>
public static class ChatRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Approver = "approver";
    /// <summary>Accepted in the user map; chat has no admin commands, so it acts as approver (an admin's key may approve too).</summary>
    public const string Admin = "admin";
    /// <summary>For <see cref="ChatopsOptions.UnknownUsers"/>: users not in the map are refused.</summary>
    public const string Deny = "deny";

    public static ChatRole? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        Viewer => ChatRole.Viewer,
        Operator => ChatRole.Operator,
        Approver or Admin => ChatRole.Approver,
        _ => null,
    };

    public static string Name(ChatRole role) => role switch
    {
        ChatRole.Approver => Approver,
        ChatRole.Operator => Operator,
        _ => Viewer,
    };

    /// <summary>The API role with the same rights, for the checks chat shares with the API (approvals).</summary>
    public static Security.Role ToRole(ChatRole role) => role switch
    {
        ChatRole.Approver => Security.Role.Approver,
        ChatRole.Operator => Security.Role.Operator,
        _ => Security.Role.Viewer,
    };
}

/// <summary>
/// Maps a chat user (platform + user id) to a role, from <c>ControlApi:Chatops:Users</c>, and to the
/// person they are, from <c>ControlApi:Chatops:People</c>: approvals count people, so one person's
/// Slack and Mattermost accounts and API key are one approver when they map to one name.
/// </summary>
public sealed class ChatUserDirectory
{
    private readonly Dictionary<(string Platform, string User), ChatRole> _roles;
    private readonly Dictionary<(string Platform, string User), string> _people;
    private readonly ChatRole? _unknown;

    public ChatUserDirectory(IOptions<ChatopsOptions> options)
    {
        var value = options.Value;
        // Configuration keys are case-insensitive, so the lookup is too.
        _roles = new Dictionary<(string, string), ChatRole>(new CaseInsensitivePair());
        foreach (var (platform, users) in value.Users)
        {
            foreach (var (user, role) in users)
            {
                if (ChatRoles.Parse(role) is { } parsed) _roles[(platform, user)] = parsed;
            }
        }
        _people = new Dictionary<(string, string), string>(new CaseInsensitivePair());
        foreach (var (platform, users) in value.People)
        {
            foreach (var (user, person) in users)
            {
                if (!string.IsNullOrWhiteSpace(person)) _people[(platform, user)] = person.Trim();
            }
        }
        _unknown = string.Equals(value.UnknownUsers?.Trim(), ChatRoles.Deny, StringComparison.OrdinalIgnoreCase) ? null : ChatRole.Viewer;
    }

    /// <summary>The user's role, or null when the user may not use ControlApi from chat at all.</summary>
    public ChatRole? RoleOf(string platform, string userId) =>
        _roles.TryGetValue((platform, userId), out var role) ? role : _unknown;

    /// <summary>The person a chat user is, as approvals count people: the mapped name, else the platform's user name (or id).</summary>
    public string PersonOf(string platform, ChatUser user) =>
        _people.TryGetValue((platform, user.Id), out var person) ? person : user.Person;

    private sealed class CaseInsensitivePair : IEqualityComparer<(string Platform, string User)>
    {
        public bool Equals((string Platform, string User) x, (string Platform, string User) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Platform, y.Platform) && StringComparer.OrdinalIgnoreCase.Equals(x.User, y.User);

        public int GetHashCode((string Platform, string User) pair) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(pair.Platform), StringComparer.OrdinalIgnoreCase.GetHashCode(pair.User));
    }
}
