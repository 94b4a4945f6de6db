using System.Buffers.Text;
using System.Text;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Data;
using ControlApi.Persistence;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Revisions;

/// <summary>
/// Reads revisions; the current one is the highest number that took effect (revision 0, the
/// defaults, before any): a change waiting for approval, expired or rejected has a number but never
/// was the cluster's settings, so the current revision and "the revision before" skip it.
/// </summary>
public sealed class RevisionReader(Lazy<ControlApiDbContext> database, CurrentRevisionCache cache, RequestDatabaseVersion requestVersion, StorageHealth storage, TimeProvider time)
{
    /// <summary>Made on first use: a read answered from <see cref="CurrentRevisionCache"/> never builds a context.</summary>
    private ControlApiDbContext Db => database.Value;

    public const int MaxPageSize = 200;

    /// <summary>The reason of a revision waiting to be committed while storage takes no writes; {0} says what happened.</summary>
    public const string WaitingForStorageFormat = "{0} The revision waits until ControlApi can write again to commit it or record its commit; it retries by itself.";

    /// <summary>
    /// A revision waiting for its commit (Accepted, or CommitFailed and retried) while storage takes no
    /// writes waits for storage, whatever its stored reason says: that reason (e.g. an unreachable
    /// remote) cannot be replaced while nothing can be written, so the answer says what it waits for
    /// now. The stored reason stays in the timeline. A lock held by another process is left out: it
    /// lasts seconds, and its writer waits for it.
    /// </summary>
    private RevisionResource Shown(Data.Entities.Revision revision)
    {
        var resource = RevisionResource.From(revision);
        if (resource.State is not (RevisionState.Accepted or RevisionState.CommitFailed)
            || resource.StateReason?.StartsWith(RevisionLifecycle.NotRetried, StringComparison.Ordinal) == true
            || storage.Current is not { Kind: not StorageFaultKind.Locked } fault)
            return resource;
        return resource with { StateReason = string.Format(System.Globalization.CultureInfo.InvariantCulture, WaitingForStorageFormat, fault.What) };
    }

    /// <summary>
    /// <see cref="CurrentAsync"/> for answering reads: the committed current revision, served from
    /// memory while the database has not changed (<see cref="CurrentRevisionCache"/>). Not for
    /// writers: inside a write turn read with <see cref="CurrentAsync"/>, which sees the turn's own rows.
    /// The returned resource is shared between requests and immutable.
    /// </summary>
    public async Task<RevisionResource> CurrentCommittedAsync(string clusterId, CancellationToken cancellationToken)
    {
        // Taken before the read (the request's first question, usually the API key's): a change in between makes the label too old, never too new.
        var version = requestVersion.Value;
        if (cache.TryGet(clusterId, version, out var known)) return known;
        var current = await CurrentAsync(clusterId, cancellationToken);
        cache.Remember(clusterId, version, current);
        return current;
    }

    public async Task<RevisionResource> CurrentAsync(string clusterId, CancellationToken cancellationToken)
    {
        var latest = await Db.Revisions.AsNoTracking().Include(r => r.Timeline)
            .Where(r => r.ClusterId == clusterId && !RevisionStates.NeverInEffectNames.Contains(r.State))
            .OrderByDescending(r => r.Number)
            .FirstOrDefaultAsync(cancellationToken);
        return latest is null ? RevisionResource.Initial(clusterId) : await ScheduledAsync(Shown(latest), cancellationToken);
    }

    /// <summary>
    /// A Scheduled revision with when it goes: the next opening of its cluster's windows under the
    /// policy in force now (a policy replaced meanwhile moves it), or now when they are open (the next
    /// sweep releases it). Read, not stored, so it can never disagree with the policy.
    /// </summary>
    private async Task<RevisionResource> ScheduledAsync(RevisionResource revision, CancellationToken cancellationToken)
    {
        if (revision.State != RevisionState.Scheduled) return revision;
        var json = await Db.ClusterPolicies.AsNoTracking().Where(p => p.ClusterId == revision.Cluster)
            .OrderByDescending(p => p.Version).Select(p => p.PolicyJson).FirstOrDefaultAsync(cancellationToken);
        var policy = json is null ? Core.Governance.ClusterPolicy.Default : Core.Governance.PolicyJson.Parse(Encoding.UTF8.GetBytes(json)).Policy ?? Core.Governance.ClusterPolicy.Default;
        var now = time.GetUtcNow();
        var window = Core.Governance.ChangeWindows.Evaluate(policy.Windows, now);
        return revision with { ScheduledFor = window.Open ? now : window.NextOpen };
    }

    /// <summary>The number the next revision takes: numbers stay gap-free and unique, held requests included.</summary>
    public async Task<int> NextNumberAsync(string clusterId, CancellationToken cancellationToken) =>
        (await Db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId).MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0) + 1;

    /// <summary>
    /// The revision a revision was built on: for a change held for approval the one current when it
    /// was asked; otherwise the newest revision before it that took effect (0: the defaults).
    /// </summary>
    public async Task<int> BaseOfAsync(string clusterId, int number, CancellationToken cancellationToken)
    {
        if (number <= 0) return 0;
        var approval = await Db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId && r.Number == number)
            .Select(r => r.ApprovalJson).FirstOrDefaultAsync(cancellationToken);
        if (Approvals.ApprovalRecord.Parse(approval) is { } held) return held.RequestedOn;
        return await Db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == clusterId && r.Number < number && !RevisionStates.NeverInEffectNames.Contains(r.State))
            .MaxAsync(r => (int?)r.Number, cancellationToken) ?? 0;
    }

    /// <summary>One revision, with <see cref="RevisionResource.Changes"/> against the revision it was built on.</summary>
    public async Task<RevisionResource?> FindAsync(string clusterId, int number, CancellationToken cancellationToken)
    {
        if (number == 0) return RevisionResource.Initial(clusterId);
        var revision = await Db.Revisions.AsNoTracking().Include(r => r.Timeline)
            .FirstOrDefaultAsync(r => r.ClusterId == clusterId && r.Number == number, cancellationToken);
        if (revision is null) return null;
        var found = await ScheduledAsync(Shown(revision), cancellationToken);
        return found with { Changes = SettingsChanges.Describe(await SettingsAsync(clusterId, await BaseOfAsync(clusterId, number, cancellationToken), cancellationToken), found.Settings) };
    }

    /// <summary>The settings of revision <paramref name="number"/> (0: the defaults); the caller knows it exists.</summary>
    private async Task<CiliumSettings> SettingsAsync(string clusterId, int number, CancellationToken cancellationToken)
    {
        if (number <= 0) return CiliumSettings.Defaults;
        var json = await Db.Revisions.AsNoTracking().Where(r => r.ClusterId == clusterId && r.Number == number)
            .Select(r => r.SettingsJson).FirstOrDefaultAsync(cancellationToken);
        return json is null ? CiliumSettings.Defaults : SettingsJson.Parse(json).Settings ?? CiliumSettings.Defaults;
    }

    /// <summary>Newest first; the cursor names the last number seen, so pages stay stable while revisions are added.</summary>
    public async Task<RevisionPage> PageAsync(string clusterId, int limit, int? before, CancellationToken cancellationToken)
    {
        var query = Db.Revisions.AsNoTracking().Include(r => r.Timeline).Where(r => r.ClusterId == clusterId);
        if (before is { } b) query = query.Where(r => r.Number < b);
        var rows = await query.OrderByDescending(r => r.Number).Take(limit + 1).ToListAsync(cancellationToken);
        var resources = new List<RevisionResource>(rows.Count);
        foreach (var row in rows) resources.Add(await ScheduledAsync(Shown(row), cancellationToken));
        // Each is described against the revision it was built on: the next older one that took effect
        // in the page when there is one (held requests are skipped), else one more read.
        var items = new List<RevisionResource>(Math.Min(limit, resources.Count));
        foreach (var (r, i) in resources.Take(limit).Select((r, i) => (r, i)))
        {
            var builtOn = r.Approval?.RequestedOn is { } requestedOn
                ? resources.FirstOrDefault(o => o.Number == requestedOn)
                : resources.Skip(i + 1).FirstOrDefault(o => o.State is not { } s || s.TookEffect());
            var baseline = builtOn?.Settings ?? await SettingsAsync(clusterId, await BaseOfAsync(clusterId, r.Number, cancellationToken), cancellationToken);
            items.Add(r with { Changes = SettingsChanges.Describe(baseline, r.Settings) });
        }
        var next = resources.Count > limit ? EncodeCursor(items[^1].Number) : null;
        return new RevisionPage(items, next);
    }

    public static string EncodeCursor(int number) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"r:{number}"));

    public static bool TryDecodeCursor(string? cursor, out int? before)
    {
        before = null;
        if (string.IsNullOrEmpty(cursor)) return true;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (text.StartsWith("r:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(2), out var n) && n > 0)
            {
                before = n;
                return true;
            }
        }
        catch (FormatException)
        {
            // Not base64url: reported to the caller as a bad cursor below.
        }
        return false;
    }
}
