using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Audit;

namespace ControlApi.Notifications;

/// <summary>How an event turned out, as a notification colours it.</summary>
public enum NotificationOutcome
{
    Succeeded,
    InProgress,
    Warning,
    Failed,
    Neutral,
}

/// <summary>What is known about the revision an event is about, beyond the event itself.</summary>
public sealed record RevisionContext(
    string? Changes = null,
    string? CommitSha = null,
    double? SecondsToVerified = null,
    string? Author = null,
    string? OnBehalfOf = null,
    string? Reason = null,
    string? Link = null);

/// <summary>
/// A Slack incoming-webhook message in the shape Atlantis and Argo CD notifications use: a coloured
/// attachment (green done, blue on its way, yellow attention, red failed) holding Block Kit blocks —
/// the headline, fields for cluster, revision, commit and time to converge, what changed, and a
/// context line with who, why and when. Every text from users is escaped, so a reason cannot
/// mention @channel or smuggle a link.
/// </summary>
public static class SlackMessage
{
    public static NotificationOutcome OutcomeOf(string kind) => kind switch
    {
        "verify.passed" or "rollout.completed" or "drift.cleared" or "cluster.reachable" or AuditKinds.RevisionRecovered or AuditKinds.CanaryVerified => NotificationOutcome.Succeeded,
        AuditKinds.ChangeAccepted or AuditKinds.ChangeReleased or AuditKinds.GitCommitted or "flux.reconcile_requested" or "flux.applied" or "rollout.progress"
            or AuditKinds.CanaryRestarted or AuditKinds.CanaryPromoted => NotificationOutcome.InProgress,
        "drift.detected" or "migration.leftover" or AuditKinds.RollbackAutomatic or AuditKinds.ChangeWindowOverridden => NotificationOutcome.Warning,
        // A held change waits for people (attention); a decision either lets it go on or ends it.
        AuditKinds.ApprovalRequested or AuditKinds.ApprovalExpired => NotificationOutcome.Warning,
        AuditKinds.ApprovalGranted => NotificationOutcome.InProgress,
        AuditKinds.ApprovalRejected => NotificationOutcome.Failed,
        AuditKinds.ChangeRejected or AuditKinds.GitPushFailed or AuditKinds.WebhookFailed or "flux.failed" or "rollout.stuck"
            or "verify.failed" or "cluster.unreachable" or "auth.denied" => NotificationOutcome.Failed,
        _ when kind.EndsWith("failed", StringComparison.Ordinal) || kind.EndsWith(".stuck", StringComparison.Ordinal) => NotificationOutcome.Failed,
        _ => NotificationOutcome.Neutral,
    };

    public static string ColorOf(NotificationOutcome outcome) => outcome switch
    {
        NotificationOutcome.Succeeded => "#18be52",
        NotificationOutcome.InProgress => "#0dadea",
        NotificationOutcome.Warning => "#f4c030",
        NotificationOutcome.Failed => "#e96d76",
        _ => "#a0a0a0",
    };

    private static string IconOf(NotificationOutcome outcome) => outcome switch
    {
        NotificationOutcome.Succeeded => ":white_check_mark:",
        NotificationOutcome.InProgress => ":arrows_counterclockwise:",
        NotificationOutcome.Warning => ":warning:",
        NotificationOutcome.Failed => ":x:",
        _ => ":information_source:",
    };

    public static JsonObject Build(EventPayload e, RevisionContext context)
    {
        var outcome = OutcomeOf(e.Kind);
        var headline = $"{IconOf(outcome)} *{Escape(e.Kind)}*" + (e.Cluster is null ? "" : $" on *{Escape(e.Cluster)}*");

        var fields = new JsonArray();
        if (e.Cluster is not null) fields.Add(Field("Cluster", Escape(e.Cluster)));
        if (e.Revision is { } revision)
            fields.Add(Field("Revision", context.Link is { } link ? $"<{link}|{revision}>" : revision.ToString(CultureInfo.InvariantCulture)));
        if (ShortSha(context.CommitSha ?? DetailString(e, "commit")) is { } sha) fields.Add(Field("Commit", $"`{sha}`"));
        if (context.SecondsToVerified is { } seconds) fields.Add(Field("Converged in", Duration(seconds)));
        fields.Add(Field("By", Escape(e.Actor) + (context.OnBehalfOf is { } behalf ? $" for {Escape(behalf)}" : "")));

        var blocks = new JsonArray
        {
            Section($"{headline}\n{Escape(e.Summary)}"),
            new JsonObject { ["type"] = "section", ["fields"] = fields },
        };
        if (!string.IsNullOrWhiteSpace(context.Changes)) blocks.Add(Section($"*What changed*\n{Escape(context.Changes)}"));

        var footer = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(context.Reason)) footer.Append("Reason: ").Append(Escape(context.Reason)).Append(" · ");
        var unix = e.Time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        footer.Append($"<!date^{unix}^{{date_short_pretty}} {{time_secs}}|{e.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC>");
        footer.Append($" · event {e.Id.ToString(CultureInfo.InvariantCulture)}");
        blocks.Add(new JsonObject
        {
            ["type"] = "context",
            ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = footer.ToString() } },
        });

        return new JsonObject
        {
            // The notification text (phones, screen readers); the attachment carries the colour and blocks.
            ["text"] = $"{e.Kind}: {Escape(e.Summary)}",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["color"] = ColorOf(outcome), ["fallback"] = $"{e.Kind}: {Escape(e.Summary)}", ["blocks"] = blocks },
            },
        };
    }

    /// <summary>Slack's three control characters; everything else is shown as written.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    public static string? ShortSha(string? sha) => sha is { Length: >= 7 } ? sha[..7] : null;

    public static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        if (span.TotalHours >= 1) return $"{(int)span.TotalHours}h {span.Minutes}m";
        if (span.TotalMinutes >= 1) return $"{span.Minutes}m {span.Seconds}s";
        return $"{span.Seconds}s";
    }

    private static JsonObject Section(string mrkdwn) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn } };

    private static JsonObject Field(string title, string value) =>
        new() { ["type"] = "mrkdwn", ["text"] = $"*{title}*\n{value}" };

    private static string? DetailString(EventPayload e, string name) =>
        e.Details.ValueKind == System.Text.Json.JsonValueKind.Object
        && e.Details.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? value.GetString()
            : null;
}
