using ControlApi.Data.Entities;
using ControlApi.Persistence;
using ControlApi.Security;
using Microsoft.Extensions.Time.Testing;

namespace ControlApi.Tests.Security;

/// <summary>How long a key read earlier may answer for the database where no version tells of a change (PostgreSQL).</summary>
public sealed class ApiKeyCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static ApiKey Key(string id = "00000000000000aa") =>
        new() { Id = id, Name = "ci-bot", Role = "viewer", SecretHash = new string('0', 64), CreatedBy = "tests" };

    [Fact]
    public void Without_a_database_version_a_key_is_trusted_for_at_most_the_stated_lifetime()
    {
        var cache = new ApiKeyCache(new DatabaseVersion(sqliteFile: null), _time);
        cache.Remember(Key(), cache.Begin(at: null));

        _time.Advance(ApiKeyCache.UnversionedLifetime - TimeSpan.FromMilliseconds(1));
        Assert.True(cache.TryGet("00000000000000aa", cache.Begin(at: null), out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet("00000000000000aa", cache.Begin(at: null), out _));
    }

    [Fact]
    public void A_key_this_process_revoked_is_read_again_at_once()
    {
        var cache = new ApiKeyCache(new DatabaseVersion(sqliteFile: null), _time);
        cache.Remember(Key(), cache.Begin(at: null));

        cache.Forget("00000000000000aa");

        Assert.False(cache.TryGet("00000000000000aa", cache.Begin(at: null), out _));
    }

    [Fact]
    public void A_lookup_that_began_before_a_revocation_does_not_keep_what_it_read()
    {
        var cache = new ApiKeyCache(new DatabaseVersion(sqliteFile: null), _time);
        var lookup = cache.Begin(at: null);
        // The revocation commits while the lookup's read is under way; the read may have seen the key still active.
        cache.Forget("00000000000000aa");
        cache.Remember(Key(), lookup);

        Assert.False(cache.TryGet("00000000000000aa", cache.Begin(at: null), out _));
    }

    [Fact]
    public void On_SQLite_a_version_that_cannot_be_read_serves_nothing_from_memory()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"controlapi-no-such-{Guid.NewGuid():N}.db");
        using var version = new DatabaseVersion(missing);
        var cache = new ApiKeyCache(version, _time);
        cache.Remember(Key(), cache.Begin(version.Current()));

        Assert.Null(version.Current());
        Assert.False(cache.TryGet("00000000000000aa", cache.Begin(version.Current()), out _));
        Assert.False(File.Exists(missing));
    }
}
