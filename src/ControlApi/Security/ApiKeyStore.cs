using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Security;

/// <summary>Every way creating a key can end.</summary>
public abstract record KeyCreation
{
    /// <summary><paramref name="Text"/> is the only copy of the secret there will ever be.</summary>
    public sealed record Created(ApiKey Key, string Text) : KeyCreation;
    public sealed record NameTaken(string Name) : KeyCreation;
}

/// <summary>Every way revoking a key can end.</summary>
public enum KeyRevocation
{
    Revoked,
    AlreadyRevoked,
    NotFound,
}

/// <summary>
/// API keys in the database. Creating and revoking write the key and its audit event in one
/// transaction (a <see cref="WriteTurn"/>, like every change); lookups never track. Requests find
/// their key through <see cref="ApiKeyCache"/>.
/// </summary>
public sealed class ApiKeyStore(Lazy<ControlApiDbContext> database, WriteTurns writeTurns, AuditLog audit, ApiKeyCache cache, RequestDatabaseVersion requestVersion, TimeProvider time)
{
    /// <summary>Made on first use: a key found in <see cref="ApiKeyCache"/> never builds a context.</summary>
    private ControlApiDbContext Db => database.Value;

    /// <summary>How stale <c>lastUsedAt</c> may get: one write per key per interval, not one per request.</summary>
    public static readonly TimeSpan LastUsedInterval = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken) =>
        await Db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ThenBy(k => k.Id).ToListAsync(cancellationToken);

    public Task<ApiKey?> FindAsync(string id, CancellationToken cancellationToken) =>
        Db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, cancellationToken);

    /// <summary>
    /// The key a request presents: from memory while the database is unchanged (see
    /// <see cref="ApiKeyCache"/> for how soon a revocation counts), else read and remembered.
    /// The returned key is shared between requests: read it, never change it.
    /// </summary>
    public async Task<ApiKey?> FindForRequestAsync(string id, CancellationToken cancellationToken)
    {
        var lookup = cache.Begin(requestVersion.Value);
        if (cache.TryGet(id, lookup, out var known)) return known;
        var key = await FindAsync(id, cancellationToken);
        if (key is not null) cache.Remember(key, lookup);
        return key;
    }

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => Db.ApiKeys.AnyAsync(cancellationToken);

    public async Task<KeyCreation> CreateAsync(string name, Role role, string actor, string source, CancellationToken cancellationToken, string? person = null)
    {
        await using var turn = await writeTurns.BeginAsync(Db, WriteScope.Global, cancellationToken);
        if (await Db.ApiKeys.AnyAsync(k => k.Name == name && k.RevokedAt == null, cancellationToken))
            return new KeyCreation.NameTaken(name);

        var issued = ApiKeyTokens.Issue();
        var key = new ApiKey
        {
            Id = issued.Id,
            Name = name,
            Role = role.Name(),
            Person = person,
            SecretHash = issued.SecretHash,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = actor,
        };
        Db.ApiKeys.Add(key);
        await audit.AppendAsync(Db, new AuditEntry(
            AuditKinds.ApiKeyCreated, null, null, actor, source,
            $"API key '{name}' ({key.Id}) created with role {key.Role}",
            new { keyId = key.Id, name, role = key.Role, person = key.Person ?? name }), cancellationToken);
        await turn.CommitAsync(cancellationToken);
        return new KeyCreation.Created(key, issued.Text);
    }

    public async Task<KeyRevocation> RevokeAsync(string id, string actor, string source, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(Db, WriteScope.Global, cancellationToken);
        var key = await Db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null) return KeyRevocation.NotFound;
        if (key.RevokedAt is not null) return KeyRevocation.AlreadyRevoked;

        key.RevokedAt = time.GetUtcNow();
        key.RevokedBy = actor;
        await audit.AppendAsync(Db, new AuditEntry(
            AuditKinds.ApiKeyRevoked, null, null, actor, source,
            $"API key '{key.Name}' ({key.Id}) revoked",
            new { keyId = key.Id, name = key.Name, role = key.Role }), cancellationToken);
        await turn.CommitAsync(cancellationToken);
        cache.Forget(key.Id);
        return KeyRevocation.Revoked;
    }

    /// <summary>
    /// Records a use when the stored one is older than <see cref="LastUsedInterval"/>. A single
    /// conditional UPDATE outside a write turn: it touches no chain or numbering, and concurrent
    /// requests of one key write at most once.
    /// </summary>
    public async Task TouchAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (key.LastUsedAt is { } last && now - last < LastUsedInterval) return;
        var staleBefore = now - LastUsedInterval;
        await Db.ApiKeys
            .Where(k => k.Id == key.Id && (k.LastUsedAt == null || k.LastUsedAt < staleBefore))
            .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now), cancellationToken);
        // The remembered copy still has the old time: without this every request would update again.
        cache.Forget(key.Id);
    }
}
