using Microsoft.Extensions.Options;

namespace ControlApi.Notifications;

/// <summary><c>ControlApi:Notifications</c>: how webhook and Slack deliveries are tried, and the Slack notifier.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "ControlApi:Notifications";

    /// <summary>Tries per delivery, the first included; after the last one a <c>webhook.failed</c> event is written.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Delay before the second try; it doubles for every further try, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a receiver may take to answer one try.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often deliveries that no job is working on (after a crash) are looked for.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Hangfire workers for deliveries (their own queue, so slow receivers never hold up commits).</summary>
    public int Workers { get; set; } = 4;

    public SlackNotifierOptions Slack { get; set; } = new();

    public TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 20);
        var delay = RetryBaseDelay * Math.Pow(2, exponent);
        return delay > MaxRetryDelay ? MaxRetryDelay : delay;
    }

    /// <summary>A try holds its delivery this long (the request timeout and room to record it).</summary>
    public TimeSpan Lease => RequestTimeout + TimeSpan.FromSeconds(30);
}

/// <summary><c>ControlApi:Notifications:Slack</c>: a Slack incoming webhook told about the listed events.</summary>
public sealed class SlackNotifierOptions
{
    /// <summary>The incoming-webhook URL. It is a credential: prefer <see cref="WebhookUrlFile"/>.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>A file holding the incoming-webhook URL (e.g. a mounted Kubernetes secret); read at every delivery.</summary>
    public string? WebhookUrlFile { get; set; }

    /// <summary>Event kinds, prefixes ending with a dot, or <c>*</c>.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>Where people reach this API (e.g. https://controlapi.example.org); revisions are linked when set.</summary>
    public string? LinkBaseUrl { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(WebhookUrl) || !string.IsNullOrWhiteSpace(WebhookUrlFile);
}

/// <summary>Refuses settings that cannot work, naming each key, before the service takes requests.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        const string root = NotificationOptions.SectionName;
        var failures = new List<string>();
        if (options.MaxAttempts is < 1 or > 50) failures.Add($"{root}:MaxAttempts {options.MaxAttempts} must be between 1 and 50 (default 6).");
        if (options.RetryBaseDelay <= TimeSpan.Zero) failures.Add($"{root}:RetryBaseDelay must be positive, e.g. 00:00:10.");
        if (options.MaxRetryDelay < options.RetryBaseDelay) failures.Add($"{root}:MaxRetryDelay must not be shorter than RetryBaseDelay.");
        if (options.RequestTimeout < TimeSpan.FromMilliseconds(100) || options.RequestTimeout > TimeSpan.FromMinutes(5))
            failures.Add($"{root}:RequestTimeout must be between 00:00:00.1 and 00:05:00.");
        if (options.SweepInterval <= TimeSpan.Zero) failures.Add($"{root}:SweepInterval must be positive, e.g. 00:01:00.");
        if (options.Workers is < 1 or > 64) failures.Add($"{root}:Workers {options.Workers} must be between 1 and 64.");

        var slack = options.Slack;
        if (!string.IsNullOrWhiteSpace(slack.WebhookUrl) && !string.IsNullOrWhiteSpace(slack.WebhookUrlFile))
            failures.Add($"{root}:Slack: set WebhookUrl or WebhookUrlFile, not both.");
        // The URL itself is a credential: the message names the key, never the value.
        if (!string.IsNullOrWhiteSpace(slack.WebhookUrl) && !WebhookUrls.IsValid(slack.WebhookUrl, out _))
            failures.Add($"{root}:Slack:WebhookUrl is not an absolute http(s) URL.");
        if (!string.IsNullOrWhiteSpace(slack.LinkBaseUrl) && !WebhookUrls.IsValid(slack.LinkBaseUrl, out _))
            failures.Add($"{root}:Slack:LinkBaseUrl '{slack.LinkBaseUrl}' is not an absolute http(s) URL.");
        if (slack.IsEnabled)
        {
            if (slack.Events.Count == 0) failures.Add($"{root}:Slack:Events is empty; list event kinds or prefixes (e.g. git., verify.) or *.");
            foreach (var pattern in slack.Events.Where(p => !EventPatterns.IsValid(p)))
                failures.Add($"{root}:Slack:Events '{pattern}' is not an event kind, a prefix ending with '.', or *.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
