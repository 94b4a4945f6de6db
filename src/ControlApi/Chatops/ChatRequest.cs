namespace ControlApi.Chatops;

/// <summary>The chat platforms ControlApi answers; also the actor name of their changes and the key in the user map.</summary>
public static class ChatPlatforms
{
    public const string Slack = "slack";
    public const string Mattermost = "mattermost";
    public const string Teams = "teams";
}

/// <summary>A person in a chat workspace. <see cref="Display"/> is what revisions store as <c>onBehalfOf</c>.</summary>
public sealed record ChatUser(string Id, string Name)
{
    public string Display => string.IsNullOrWhiteSpace(Name) || Name == Id ? Id : $"{Name} ({Id})";

    /// <summary>The name <c>person=</c> finds this user by in the audit history: the user name, else the id.</summary>
    public string Person => string.IsNullOrWhiteSpace(Name) ? Id : Name.Trim();
}

/// <summary>One verified command from a chat platform, before it is parsed.</summary>
public sealed record ChatRequest(string Platform, ChatUser User, string Text, string? Channel = null);
