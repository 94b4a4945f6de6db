using System.Net;
using System.Text;
using ControlApi.Chatops;
using ControlApi.Tests.Chatops.Support;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Chatops;

/// <summary>Slack's request signing, against the example in Slack's documentation (issue 8).</summary>
public sealed class SlackSignatureTests
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const long Timestamp = 1531420618;
    private const string Body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string Signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private static readonly string TimestampText = Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static (SlackSignatureVerifier Verifier, FakeTimeProvider Clock) Verifier(string? secret = Secret, int capacity = 100)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Timestamp));
        var options = new ChatopsOptions { Slack = { SigningSecret = secret, ReplayCacheCapacity = capacity } };
        return (new SlackSignatureVerifier(Options.Create(options), clock), clock);
    }

    [Fact]
    public void Slacks_documented_example_verifies_with_the_clock_at_its_timestamp()
    {
        var (verifier, _) = Verifier();
        Assert.Equal(RequestCheck.Valid, verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void The_test_signer_reproduces_Slacks_documented_signature()
    {
        // The tests' own signer is checked against the documentation too, so the HTTP tests sign truthfully.
        Assert.Equal(Signature, ChatSigning.Slack(Secret, TimestampText, Body));
    }

    [Fact]
    public void The_same_example_sent_again_is_a_replay()
    {
        var (verifier, clock) = Verifier();
        verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body));
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(RequestCheck.Replayed, verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Theory]
    [InlineData(300, RequestCheck.Valid)]
    [InlineData(301, RequestCheck.StaleTimestamp)]
    [InlineData(-300, RequestCheck.Valid)]
    [InlineData(-301, RequestCheck.StaleTimestamp)]
    public void Timestamps_more_than_five_minutes_from_now_are_refused(int clockOffsetSeconds, RequestCheck expected)
    {
        var (verifier, clock) = Verifier();
        clock.AdjustTime(DateTimeOffset.FromUnixTimeSeconds(Timestamp + clockOffsetSeconds));
        Assert.Equal(expected, verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void A_changed_body_timestamp_or_secret_does_not_verify()
    {
        var (verifier, _) = Verifier();
        Assert.Equal(RequestCheck.BadSignature, verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body.Replace("text=", "text=enable+encryption", StringComparison.Ordinal))));
        Assert.Equal(RequestCheck.BadSignature, verifier.Verify((Timestamp + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Signature, Encoding.UTF8.GetBytes(Body)));
        var (other, _) = Verifier("another-secret-entirely");
        Assert.Equal(RequestCheck.BadSignature, other.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Theory]
    [InlineData(null, Signature, RequestCheck.MissingCredentials)]
    [InlineData("1531420618", null, RequestCheck.MissingCredentials)]
    [InlineData("15314206l8", Signature, RequestCheck.MalformedTimestamp)]
    [InlineData("-1531420618", Signature, RequestCheck.MalformedTimestamp)]
    [InlineData("1531420618", "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", RequestCheck.BadSignature)]
    [InlineData("1531420618", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5", RequestCheck.BadSignature)]
    [InlineData("1531420618", "v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", RequestCheck.BadSignature)]
    public void Missing_or_malformed_headers_are_refused(string? timestamp, string? signature, RequestCheck expected)
    {
        var (verifier, _) = Verifier();
        Assert.Equal(expected, verifier.Verify(timestamp, signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void Without_a_signing_secret_nothing_verifies()
    {
        var (verifier, _) = Verifier(secret: null);
        Assert.False(verifier.IsConfigured);
        Assert.Equal(RequestCheck.MissingCredentials, verifier.Verify(TimestampText, Signature, Encoding.UTF8.GetBytes(Body)));
    }

    [Fact]
    public void The_replay_cache_forgets_a_signature_once_its_window_has_passed_and_stays_bounded()
    {
        var start = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
        var cache = new ReplayCache(capacity: 3);

        Assert.True(cache.TryRemember("a", start.AddMinutes(5), start));
        Assert.False(cache.TryRemember("a", start.AddMinutes(5), start.AddMinutes(4)));
        Assert.True(cache.TryRemember("a", start.AddMinutes(10), start.AddMinutes(5)));

        foreach (var name in new[] { "b", "c", "d", "e" }) cache.TryRemember(name, start.AddMinutes(10), start.AddMinutes(5));
        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryRemember("f", start.AddMinutes(20), start.AddMinutes(11)));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Slacks_example_request_is_answered_through_HTTP_with_the_clock_at_its_timestamp_and_refused_when_replayed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Timestamp));
        using var service = new ChatopsService(new() { ["ControlApi:Chatops:Slack:SigningSecret"] = Secret },
            services => services.AddSingleton<TimeProvider>(clock));

        var first = await service.SendSlackAsync(Body, TimestampText, Signature);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var answer = await first.ReadJsonAsync();
        Assert.Equal("ephemeral", answer.ResponseType());
        Assert.Contains("ControlApi commands", answer.AllText());

        var replay = await service.SendSlackAsync(Body, TimestampText, Signature);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal("urn:controlapi:problem:chatops-unauthorized", (string)(await replay.ReadJsonAsync())["type"]!);
        var denied = Assert.Single(await service.AuditAsync(), e => e.Kind == "auth.denied");
        Assert.Equal("chatops", denied.Source);
        Assert.Contains("already received", denied.Summary);
    }
}
