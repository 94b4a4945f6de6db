using System.Globalization;
using System.Net;
using ControlApi.Chatops;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Revisions;
using ControlApi.Security;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Chatops;

/// <summary>A change from chat outside the change window: the reply says it waits and until when, and follow-ups do not take Scheduled for an end.</summary>
public sealed class ChangeWindowChatTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-07T11:00:00Z", CultureInfo.InvariantCulture);
    private static readonly DateTimeOffset Opens = DateTimeOffset.Parse("2026-12-07T21:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_enable_outside_the_window_is_answered_as_scheduled_with_the_time_it_goes()
    {
        using var service = new ChatopsService();
        // A window twelve hours from now (on the real clock, which signs Slack requests): surely closed now.
        var opensAt = (DateTime.UtcNow.Hour + 12) % 24;
        var admin = service.Factory.CreateClient(Role.Admin);
        var policy = await admin.PutAsync("/api/v1/clusters/local/policy",
            Json($$"""{"windows": [{"kind": "allow", "schedule": "0 {{opensAt}} * * *", "duration": "01:00:00", "timeZone": "UTC"}]}"""));
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);

        var answer = await service.SlackReplyAsync("enable host-firewall audit host policies first");

        Assert.Equal("in_channel", answer.ResponseType());
        Assert.Contains($"Revision 1 of `local` scheduled for ", answer.AllText());
        Assert.Contains($"{opensAt:00}:00:00 UTC", answer.AllText());
        Assert.Contains("waits for the change window", answer.AllText());
        Assert.Equal("Scheduled", (string?)(await service.RevisionAsync(1))["state"]);
    }

    [Fact]
    public void A_follow_up_posts_nothing_for_a_scheduled_revision_and_goes_on()
    {
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, Now.AddMinutes(-1), Now.AddMinutes(29));

        var step = FollowUpDecision.Decide(followUp, Scheduled(), new LiveStatus(true, true, "", []), Now);

        Assert.Null(step.Post);
        Assert.False(step.Finished);
    }

    [Fact]
    public void A_follow_up_that_stops_at_its_deadline_says_when_the_scheduled_revision_goes()
    {
        var followUp = new ChatFollowUp("slack", "https://hooks.slack.com/commands/x", "local", 4, Now.AddMinutes(-30), Now);

        var step = FollowUpDecision.Decide(followUp, Scheduled(), new LiveStatus(true, true, "", []), Now);

        Assert.True(step.Finished);
        Assert.Equal("Revision 4 of `local` is scheduled for 2026-12-07 21:00:00 UTC", step.Post!.Headline);
    }

    private static RevisionResource Scheduled() => new RevisionResource(
        "local", 4, RevisionState.Scheduled, "Waits for the change window", CiliumSettings.Defaults, "slack", "roadrunner (U0OPERATOR)", "why", "chatops",
        Now, null, [], [], null) { ScheduledFor = Opens };
}
