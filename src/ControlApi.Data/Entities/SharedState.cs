namespace ControlApi.Data.Entities;

/// <summary>
/// A time-limited claim on one piece of work (<c>commit:{cluster}</c>, <c>track:{cluster}:{revision}</c>,
/// <c>poll:{cluster}</c>) shared by every replica: whoever holds an unexpired row does the work; a
/// holder that dies stops renewing and the row can be taken over once <see cref="ExpiresAt"/> passes.
/// </summary>
public sealed class Lease
{
    public required string Name { get; set; }

    /// <summary>The holding process's instance id (random per process start).</summary>
    public required string Holder { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// A chat request signature already admitted by some replica, kept until its timestamp leaves the
/// acceptance window (after which freshness refuses the request anyway). The key is the hash, so
/// two replicas racing on the same request cannot both insert it.
/// </summary>
public sealed class SeenSignature
{
    /// <summary>SHA-256 (hex) of the channel and the signature; the signature itself is not stored.</summary>
    public required string Hash { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
