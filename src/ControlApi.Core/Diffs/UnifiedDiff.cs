using System.Text;

namespace ControlApi.Core.Diffs;

/// <summary>
/// Unified diffs (the <c>diff -u</c> / <c>git diff</c> format) between two texts, line by line, with
/// three lines of context. Managed files are small, so a longest-common-subsequence table is
/// plenty; past a size bound the whole file is shown as replaced rather than spending memory.
/// </summary>
public static class UnifiedDiff
{
    private const int Context = 3;
    private const long MaxTableCells = 4_000_000;

    /// <summary>The diff from <paramref name="before"/> to <paramref name="after"/>; empty when equal. Null means "file absent".</summary>
    public static string Create(string path, string? before, string? after)
    {
        if (before == after) return "";
        var oldLines = Lines(before);
        var newLines = Lines(after);
        var edits = Edits(oldLines, newLines);

        var text = new StringBuilder();
        text.Append("--- ").Append(before is null ? "/dev/null" : "a/" + path).Append('\n');
        text.Append("+++ ").Append(after is null ? "/dev/null" : "b/" + path).Append('\n');
        foreach (var hunk in Hunks(edits))
        {
            var oldStart = hunk.First().OldIndex;
            var newStart = hunk.First().NewIndex;
            var oldCount = hunk.Count(e => e.Kind != EditKind.Insert);
            var newCount = hunk.Count(e => e.Kind != EditKind.Delete);
            text.Append("@@ -").Append(Range(oldStart, oldCount)).Append(" +").Append(Range(newStart, newCount)).Append(" @@\n");
            foreach (var edit in hunk)
            {
                text.Append(edit.Kind switch { EditKind.Keep => ' ', EditKind.Delete => '-', _ => '+' }).Append(edit.Line).Append('\n');
            }
        }
        return text.ToString();
    }

    private static string Range(int start, int count) =>
        count == 0 ? $"{start},0" : count == 1 ? $"{start + 1}" : $"{start + 1},{count}";

    private static string[] Lines(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        var lines = text.Split('\n');
        // A final newline ends the last line rather than starting an empty one.
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private enum EditKind { Keep, Delete, Insert }

    private readonly record struct Edit(EditKind Kind, string Line, int OldIndex, int NewIndex);

    private static List<Edit> Edits(string[] a, string[] b)
    {
        var edits = new List<Edit>(a.Length + b.Length);
        if ((long)a.Length * b.Length > MaxTableCells)
        {
            edits.AddRange(a.Select((line, i) => new Edit(EditKind.Delete, line, i, 0)));
            edits.AddRange(b.Select((line, j) => new Edit(EditKind.Insert, line, a.Length, j)));
            return edits;
        }

        // lcs[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add(new Edit(EditKind.Keep, a[x], x, y));
                x++; y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Removals before additions, as diff -u prints them.
                edits.Add(new Edit(EditKind.Delete, a[x], x, y));
                x++;
            }
            else
            {
                edits.Add(new Edit(EditKind.Insert, b[y], x, y));
                y++;
            }
        }
        return edits;
    }

    /// <summary>Groups changes with up to three lines of context; changes closer than that share a hunk.</summary>
    private static IEnumerable<List<Edit>> Hunks(List<Edit> edits)
    {
        var changed = edits.Select((e, i) => (e, i)).Where(t => t.e.Kind != EditKind.Keep).Select(t => t.i).ToList();
        var index = 0;
        while (index < changed.Count)
        {
            var start = Math.Max(0, changed[index] - Context);
            var end = changed[index];
            while (index + 1 < changed.Count && changed[index + 1] - end <= 2 * Context)
                end = changed[++index];
            end = Math.Min(edits.Count - 1, end + Context);
            index++;
            yield return edits.GetRange(start, end - start + 1);
        }
    }
}
