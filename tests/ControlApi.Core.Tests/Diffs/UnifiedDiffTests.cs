using System.Text;
using ControlApi.Core.Diffs;
using CsCheck;

namespace ControlApi.Core.Tests.Diffs;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Equal_texts_have_no_diff() => Assert.Equal("", UnifiedDiff.Create("a.yaml", "x\n", "x\n"));

    [Fact]
    public void A_changed_line_shows_as_a_hunk_with_context_like_diff_u()
    {
        var before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        var after = "a\nb\nc\nd\nE\nf\ng\nh\n";

        var diff = UnifiedDiff.Create("values.yaml", before, after);

        Assert.Equal("""
            --- a/values.yaml
            +++ b/values.yaml
            @@ -2,7 +2,7 @@
             b
             c
             d
            -e
            +E
             f
             g
             h

            """.Replace("\r", ""), diff);
    }

    [Fact]
    public void A_new_file_is_all_additions_from_dev_null()
    {
        var diff = UnifiedDiff.Create("bgp.yaml", null, "kind: X\nname: y\n");

        Assert.StartsWith("--- /dev/null\n+++ b/bgp.yaml\n@@ -0,0 +1,2 @@\n+kind: X\n+name: y\n", diff);
    }

    [Fact]
    public void A_deleted_file_is_all_removals_to_dev_null()
    {
        var diff = UnifiedDiff.Create("bgp.yaml", "kind: X\n", null);

        Assert.Equal("--- a/bgp.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: X\n", diff);
    }

    [Fact]
    public void Applying_the_diff_to_the_old_text_gives_the_new_text_for_any_edit()
    {
        var lines = Gen.String["abc"].Array[0, 30];
        Gen.Select(lines, lines).Sample(pair =>
        {
            var before = Join(pair.Item1);
            var after = Join(pair.Item2);
            var diff = UnifiedDiff.Create("f", before, after);
            Assert.Equal(after, Apply(before, diff));
        }, iter: 300);
    }

    private static string Join(string[] lines) => lines.Length == 0 ? "" : string.Join('\n', lines) + "\n";

    /// <summary>A minimal patch(1): replays hunks in order onto the old lines.</summary>
    private static string Apply(string before, string diff)
    {
        if (diff.Length == 0) return before;
        var old = before.Length == 0 ? [] : before[..^1].Split('\n');
        var result = new List<string>();
        var next = 0;
        foreach (var line in diff.Split('\n').Skip(2))
        {
            if (line.StartsWith("@@", StringComparison.Ordinal))
            {
                var range = line.Split(' ')[1][1..].Split(',');
                var start = int.Parse(range[0]);
                var count = range.Length > 1 ? int.Parse(range[1]) : 1;
                var zeroBased = count == 0 ? start : start - 1;
                while (next < zeroBased) result.Add(old[next++]);
            }
            else if (line.StartsWith(' ')) { result.Add(old[next++]); }
            else if (line.StartsWith('-')) { next++; }
            else if (line.StartsWith('+')) { result.Add(line[1..]); }
        }
        while (next < old.Length) result.Add(old[next++]);
        var text = new StringBuilder();
        foreach (var l in result) text.Append(l).Append('\n');
        return text.ToString();
    }
}
