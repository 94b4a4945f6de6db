using System.Globalization;
using System.Runtime.InteropServices;

namespace ControlApi.Hosting;

/// <summary>
/// Gives back the read-only pages of the assemblies and native libraries that the start touched and
/// the idle service does not: EF Core's model building and migrations, the admin key's first save,
/// Kestrel's and Hangfire's set-up. They are clean file pages (ReadyToRun code, metadata), so the
/// kernel can drop them (<c>madvise(MADV_PAGEOUT)</c>, Linux 5.4+) and read them back from the file on
/// the next use; what the idle service keeps using is faulted back within seconds, the rest leaves
/// the resident set (≈ 30 MB of ≈ 100 MB file-backed, README "Start-up and memory"). Writable
/// mappings (relocated data, the GC heap, the JIT's code) are left alone.
/// </summary>
internal static class StartupPages
{
    private const int MadvPageout = 21;
    private const int EInval = 22;

    /// <summary>What was advised: mappings and bytes, or none where the kernel has no MADV_PAGEOUT (or this is not Linux).</summary>
    public readonly record struct Released(int Mappings, long Bytes);

    public static Released Release()
    {
        if (!OperatingSystem.IsLinux()) return default;
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/maps");
        }
        catch (IOException)
        {
            return default;
        }
        var mappings = 0;
        long bytes = 0;
        foreach (var line in lines)
        {
            if (ReadOnlyLibraryMapping(line) is not var (start, length)) continue;
            if (Madvise(start, length, MadvPageout) != 0)
            {
                // An older kernel does not know the advice: nothing to give back, nothing broken.
                if (Marshal.GetLastPInvokeError() == EInval && mappings == 0) return default;
                continue;
            }
            mappings++;
            bytes += (long)length;
        }
        return new Released(mappings, bytes);
    }

    /// <summary>
    /// <c>start-end perms offset dev inode path</c>: a mapping of a <c>.dll</c> or <c>.so</c> file that is not
    /// writable (a clean page there is only a copy of the file).
    /// </summary>
    internal static (nint Start, nuint Length)? ReadOnlyLibraryMapping(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[1].Length < 2 || fields[1][1] == 'w') return null;
        var path = fields[5].Trim();
        if (!path.StartsWith('/') || path.EndsWith("(deleted)", StringComparison.Ordinal)) return null;
        var name = Path.GetFileName(path);
        if (!name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !name.Contains(".so", StringComparison.Ordinal)) return null;
        var range = fields[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || end <= start) return null;
        return ((nint)start, (nuint)(end - start));
    }

    // Blittable arguments only, so a plain DllImport needs no marshalling (nor unsafe code).
    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
