namespace ControlApi.Chatops;

/// <summary><c>ControlApi:Chatops</c>: chat platforms, who may do what from chat, and follow-up messages.</summary>
public sealed class ChatopsOptions
{
    public const string SectionName = "ControlApi:Chatops";

    /// <summary>The cluster a command means when it names none; without it, the only configured cluster.</summary>
    public string? DefaultCluster { get; set; }

    /// <summary>What a chat user missing from <see cref="Users"/> may do: <c>viewer</c> (read) or <c>deny</c>.</summary>
    public string UnknownUsers { get; set; } = ChatRoles.Viewer;

    /// <summary>Platform → user id → role (<c>viewer</c> or <c>operator</c>), e.g. <c>Users:slack:U2CERLKJA = operator</c>.</summary>
    public Dictionary<string, Dictionary<string, string>> Users { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Platform → user id → person, e.g. <c>People:slack:U2CERLKJA = alice</c>: who the chat user is
    /// when approvals count people (the same name as an API key's person makes them one person).
    /// Unmapped users are their platform user name.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> People { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Largest accepted request body; slash commands and Teams activities are a few KiB.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How many revisions <c>history</c> lists.</summary>
    public int HistoryLength { get; set; } = 10;

    public SlackOptions Slack { get; set; } = new();
    public MattermostOptions Mattermost { get; set; } = new();
    public TeamsOptions Teams { get; set; } = new();
    public FollowUpOptions FollowUp { get; set; } = new();
}

public sealed class SlackOptions
{
    /// <summary>The app's signing secret (Basic Information → App Credentials). Prefer <see cref="SigningSecretFile"/>.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>A file holding the signing secret; read once at first use, never logged.</summary>
    public string? SigningSecretFile { get; set; }

    /// <summary>Requests whose timestamp is further than this from now are refused (Slack recommends five minutes).</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recent signatures are remembered to refuse replays inside the tolerance window.</summary>
    public int ReplayCacheCapacity { get; set; } = 10_000;

    /// <summary>Hosts a <c>response_url</c> may point at (https only; plain http only for a listed loopback host). Default: hooks.slack.com.</summary>
    public string[]? ResponseUrlHosts { get; set; }

    public IReadOnlyList<string> AllowedResponseHosts => ResponseUrlHosts is { Length: > 0 } hosts ? hosts : ["hooks.slack.com"];
}

public sealed class MattermostOptions
{
    /// <summary>The slash command's (or outgoing webhook's) token. Prefer <see cref="TokenFile"/>.</summary>
    public string? Token { get; set; }

    public string? TokenFile { get; set; }

    /// <summary>Hosts of the Mattermost server a <c>response_url</c> may point at; none means no follow-up posts.</summary>
    public string[]? ResponseUrlHosts { get; set; }

    public IReadOnlyList<string> AllowedResponseHosts => ResponseUrlHosts ?? [];
}

public sealed class TeamsOptions
{
    /// <summary>The outgoing webhook's security token (base64, shown once when the webhook is created). Prefer <see cref="SecurityTokenFile"/>.</summary>
    public string? SecurityToken { get; set; }

    public string? SecurityTokenFile { get; set; }

    /// <summary>Activities whose <c>timestamp</c> is further than this from now are refused.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recent signatures are remembered to refuse replays inside the tolerance window.</summary>
    public int ReplayCacheCapacity { get; set; } = 10_000;
}

public sealed class FollowUpOptions
{
    /// <summary>First wait before looking at the revision again; doubles after each look up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a change is followed. Slack's response_url works for 30 minutes.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan DelayAfter(int checks)
    {
        var delay = PollInterval * Math.Pow(2, Math.Clamp(checks, 0, 20));
        return delay > MaxPollInterval ? MaxPollInterval : delay;
    }
}
