using System.Buffers.Text;
using System.Text;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Revisions;

/// <summary>Reads revisions; the current one is the highest number (revision 0, the defaults, before any).</summary>
public sealed class RevisionReader(ControlApiDbContext db)
{
    public const int MaxPageSize = 200;

    public async Task<RevisionResource> CurrentAsync(string clusterId, CancellationToken cancellationToken)
    {
        var latest = await db.Revisions.AsNoTracking().Include(r => r.Timeline)
            .Where(r => r.ClusterId == clusterId)
            .OrderByDescending(r => r.Number)
            .FirstOrDefaultAsync(cancellationToken);
        return latest is null ? RevisionResource.Initial(clusterId) : RevisionResource.From(latest);
    }

    public async Task<RevisionResource?> FindAsync(string clusterId, int number, CancellationToken cancellationToken)
    {
        if (number == 0) return RevisionResource.Initial(clusterId);
        var revision = await db.Revisions.AsNoTracking().Include(r => r.Timeline)
            .FirstOrDefaultAsync(r => r.ClusterId == clusterId && r.Number == number, cancellationToken);
        return revision is null ? null : RevisionResource.From(revision);
    }

    /// <summary>Newest first; the cursor names the last number seen, so pages stay stable while revisions are added.</summary>
    public async Task<RevisionPage> PageAsync(string clusterId, int limit, int? before, CancellationToken cancellationToken)
    {
        var query = db.Revisions.AsNoTracking().Include(r => r.Timeline).Where(r => r.ClusterId == clusterId);
        if (before is { } b) query = query.Where(r => r.Number < b);
        var rows = await query.OrderByDescending(r => r.Number).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(RevisionResource.From).ToList();
        var next = rows.Count > limit ? EncodeCursor(items[^1].Number) : null;
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
