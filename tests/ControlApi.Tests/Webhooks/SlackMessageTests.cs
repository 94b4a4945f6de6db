using System.Text.Json;
using ControlApi.Notifications;

namespace ControlApi.Tests.Webhooks;

/// <summary>The Slack message as a pure function of the event and what is known about its revision.</summary>
public sealed class SlackMessageTests
{
    [Theory]
    [InlineData("verify.passed", NotificationOutcome.Succeeded, "#18be52")]
    [InlineData("rollout.completed", NotificationOutcome.Succeeded, "#18be52")]
    [InlineData("change.accepted", NotificationOutcome.InProgress, "#0dadea")]
    [InlineData("git.committed", NotificationOutcome.InProgress, "#0dadea")]
    [InlineData("drift.detected", NotificationOutcome.Warning, "#f4c030")]
    [InlineData("change.rejected", NotificationOutcome.Failed, "#e96d76")]
    [InlineData("git.push_failed", NotificationOutcome.Failed, "#e96d76")]
    [InlineData("verify.failed", NotificationOutcome.Failed, "#e96d76")]
    [InlineData("webhook.failed", NotificationOutcome.Failed, "#e96d76")]
    [InlineData("something.new_failed", NotificationOutcome.Failed, "#e96d76")]
    [InlineData("change.noop", NotificationOutcome.Neutral, "#a0a0a0")]
    [InlineData("revision.superseded", NotificationOutcome.Neutral, "#a0a0a0")]
    public void Each_kind_has_an_outcome_colour(string kind, NotificationOutcome outcome, string colour)
    {
        Assert.Equal(outcome, SlackMessage.OutcomeOf(kind));
        Assert.Equal(colour, SlackMessage.ColorOf(outcome));
        Assert.Equal(colour, (string)SlackMessage.Build(Event(kind), new RevisionContext())["attachments"]![0]!["color"]!);
    }

    [Fact]
    public void A_verified_revision_shows_its_time_to_converge_and_short_commit()
    {
        var message = SlackMessage.Build(Event("verify.passed"),
            new RevisionContext("enable encryption (wireguard)", "0123456789abcdef0123456789abcdef01234567", 130, "alice", "bob", "quarterly hardening"))
            .ToJsonString(Readable);

        Assert.Contains("*Converged in*\\n2m 10s", message);
        Assert.Contains("*Commit*\\n`0123456`", message);
        Assert.Contains("alice", message);
        Assert.Contains("for bob", message);
        Assert.Contains("Reason: quarterly hardening", message);
        Assert.Contains("enable encryption (wireguard)", message);
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(59.6, "1m 0s")]
    [InlineData(3725, "1h 2m")]
    public void Durations_read_like_people_write_them(double seconds, string text) =>
        Assert.Equal(text, SlackMessage.Duration(seconds));

    [Fact]
    public void Text_from_users_cannot_ping_channels_or_hide_links()
    {
        var message = SlackMessage.Build(Event("change.accepted", summary: "<!here> <https://evil.test|innocent> & more"), new RevisionContext(Reason: "<@U123>"));
        var json = message.ToJsonString(Readable);

        Assert.DoesNotContain("<!here>", json);
        Assert.DoesNotContain("<https://evil.test", json);
        Assert.DoesNotContain("<@U123>", json);
        Assert.Contains("&lt;!here&gt;", json);
    }

    /// <summary>JSON as Slack reads it, without \u escapes, so the tests see what people see.</summary>
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static EventPayload Event(string kind, string summary = "local revision 4: enable encryption") => new(
        17, kind, "local", 4, new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), "alice", summary,
        JsonSerializer.SerializeToElement(new { commit = "fedcba9876543210" }));
}
