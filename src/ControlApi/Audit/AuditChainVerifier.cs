using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Audit;

/// <summary>
/// Walks the audit chain in id order, one row at a time (constant memory at any size), and stops
/// at the first event that does not fit: its content no longer gives its hash (edited), or its
/// previous hash is not the hash of the event before it (one removed, or rows reordered).
/// </summary>
public sealed class AuditChainVerifier(ControlApiDbContext db)
{
    public const string ContentChanged = "The event's content does not give its stored hash: it was changed after it was written.";
    public const string LinkBroken = "The event's previous hash is not the hash of the event before it: an event was removed or events were reordered.";

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var expectedPrevious = AuditLog.GenesisHash;
        long checkedCount = 0;
        long? lastId = null;
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            checkedCount++;
            if (!string.Equals(e.PreviousHash, expectedPrevious, StringComparison.Ordinal))
                return new AuditVerification(false, checkedCount, e.Id, LinkBroken, lastId, expectedPrevious);
            if (!AuditLog.ContentMatchesHash(e))
                return new AuditVerification(false, checkedCount, e.Id, ContentChanged, lastId, expectedPrevious);
            expectedPrevious = e.Hash;
            lastId = e.Id;
        }
        return new AuditVerification(true, checkedCount, null, null, lastId, lastId is null ? null : expectedPrevious);
    }
}
