using System.Globalization;
using System.Text;
using ControlApi.Core.Governance;
using ControlApi.Core.Revisions;

namespace ControlApi.Core.Tests.Governance;

public sealed class ChangeWindowsTests
{
    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

    private static readonly ChangeWindow NightlyBerlin = new() { Kind = WindowKind.Allow, Schedule = "0 22 * * *", Duration = TimeSpan.FromHours(2), TimeZone = "Europe/Berlin" };

    [Fact]
    public void Without_windows_changes_go_at_any_time()
    {
        var state = ChangeWindows.Evaluate([], At("2026-12-07T12:00:00Z"));

        Assert.True(state.Open);
        Assert.Null(state.NextOpen);
    }

    [Theory]
    // Berlin is UTC+1 in December: the window is 21:00–23:00 UTC.
    [InlineData("2026-12-07T20:59:59Z", false, "2026-12-07T21:00:00Z")]
    [InlineData("2026-12-07T21:00:00Z", true, null)]
    [InlineData("2026-12-07T22:59:59Z", true, null)]
    [InlineData("2026-12-07T23:00:00Z", false, "2026-12-08T21:00:00Z")]
    // UTC+2 in July (daylight saving): 20:00–22:00 UTC.
    [InlineData("2026-07-01T20:30:00Z", true, null)]
    [InlineData("2026-07-01T22:10:00Z", false, "2026-07-02T20:00:00Z")]
    public void An_allow_window_opens_at_its_cron_time_in_its_time_zone_for_its_duration(string now, bool open, string? next)
    {
        var state = ChangeWindows.Evaluate([NightlyBerlin], At(now));

        Assert.Equal(open, state.Open);
        Assert.Equal(next is null ? null : At(next), state.NextOpen);
    }

    [Fact]
    public void An_open_window_says_when_it_closes()
    {
        var state = ChangeWindows.Evaluate([NightlyBerlin], At("2026-12-07T21:30:00Z"));

        Assert.Equal(At("2026-12-07T23:00:00Z"), state.ClosesAt);
        Assert.Contains("allow window '0 22 * * *'", state.Why);
    }

    [Fact]
    public void A_deny_window_wins_over_an_allow_window_and_the_next_opening_skips_it()
    {
        // Allowed every weekday 08:00–18:00 UTC, but not Friday afternoons from 12:00.
        var weekdays = new ChangeWindow { Kind = WindowKind.Allow, Schedule = "0 8 * * 1-5", Duration = TimeSpan.FromHours(10), TimeZone = "UTC" };
        var friday = new ChangeWindow { Kind = WindowKind.Deny, Schedule = "0 12 * * 5", Duration = TimeSpan.FromHours(60), TimeZone = "UTC" };

        // 2026-12-11 is a Friday.
        var state = ChangeWindows.Evaluate([weekdays, friday], At("2026-12-11T13:00:00Z"));

        Assert.False(state.Open);
        Assert.Contains("deny window", state.Why);
        Assert.Equal(At("2026-12-14T08:00:00Z"), state.NextOpen);
        Assert.Equal(At("2026-12-11T12:00:00Z"), ChangeWindows.Evaluate([weekdays, friday], At("2026-12-11T09:00:00Z")).ClosesAt);
    }

    [Fact]
    public void Only_deny_windows_leave_every_other_time_open()
    {
        var freezeOverNewYear = new ChangeWindow { Kind = WindowKind.Deny, Schedule = "0 0 24 12 *", Duration = TimeSpan.FromDays(9), TimeZone = "UTC" };

        Assert.True(ChangeWindows.Evaluate([freezeOverNewYear], At("2026-12-23T23:59:00Z")).Open);
        var closed = ChangeWindows.Evaluate([freezeOverNewYear], At("2026-12-30T10:00:00Z"));
        Assert.False(closed.Open);
        Assert.Equal(At("2027-01-02T00:00:00Z"), closed.NextOpen);
    }

    [Fact]
    public void A_minutely_window_is_evaluated_without_expanding_a_year()
    {
        var minutely = new ChangeWindow { Kind = WindowKind.Allow, Schedule = "* * * * *", Duration = TimeSpan.FromSeconds(10), TimeZone = "UTC" };

        var state = ChangeWindows.Evaluate([minutely], At("2026-12-07T12:00:30Z"));

        Assert.False(state.Open);
        Assert.Equal(At("2026-12-07T12:01:00Z"), state.NextOpen);
    }

    [Theory]
    [InlineData("""{"windows":[{"kind":"allow","schedule":"0 25 * * *","duration":"02:00:00","timeZone":"UTC"}]}""", "/windows/0", "five-field cron")]
    [InlineData("""{"windows":[{"kind":"allow","schedule":"0 22 * * *","duration":"02:00:00","timeZone":"Mars/Olympus"}]}""", "/windows/0", "IANA time zone")]
    [InlineData("""{"windows":[{"kind":"allow","schedule":"0 22 * * *","duration":"00:00:00"}]}""", "/windows/0", "duration must be positive")]
    [InlineData("""{"approvals":{"dangerous":-1}}""", "/approvals/dangerous", "between 0")]
    [InlineData("""{"approvals":{"expiresAfter":"0.00:00:00"}}""", "/approvals/expiresAfter", "positive")]
    [InlineData("""{"approvals":{"dangerus":1}}""", "/approvals/dangerus", "could not be read")]
    [InlineData("""{"outsideWindow":"later"}""", "/outsideWindow", "could not be read")]
    public void A_policy_that_cannot_work_is_refused_with_a_pointer_and_what_to_write(string json, string pointer, string message)
    {
        var result = PolicyJson.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(result.Policy);
        Assert.Equal(pointer, result.Pointer);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void The_seed_policy_reads_and_asks_approvals_by_risk()
    {
        var result = PolicyJson.Parse(Encoding.UTF8.GetBytes("""
            {"approvals": {"dangerous": 1, "disruptive": 0, "expiresAfter": "1.00:00:00"},
             "windows": [{"kind": "allow", "schedule": "0 22 * * *", "duration": "02:00:00", "timeZone": "Europe/Berlin"}],
             "outsideWindow": "schedule"}
            """));

        var policy = Assert.IsType<ClusterPolicy>(result.Policy);
        Assert.Equal(1, policy.ApprovalsFor(ChangeRisk.Dangerous));
        Assert.Equal(0, policy.ApprovalsFor(ChangeRisk.Disruptive));
        Assert.Equal(TimeSpan.FromDays(1), policy.Approvals.ExpiresAfter);
        Assert.Equal(NightlyBerlin, Assert.Single(policy.Windows));
        Assert.Equal(policy, PolicyJson.Parse(Encoding.UTF8.GetBytes(PolicyJson.Serialize(policy))).Policy! with { Windows = policy.Windows });
    }
}
