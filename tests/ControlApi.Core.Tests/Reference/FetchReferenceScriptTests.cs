using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ControlApi.Core.Tests.Reference;

/// <summary>scripts/fetch-reference.sh fetches every reference file, and its checksums are those of the data the tests use.</summary>
public sealed partial class FetchReferenceScriptTests
{
    [ReferenceFact]
    public void The_fetch_script_lists_every_reference_file_with_its_sha256()
    {
        var script = File.ReadAllText(ScriptPath());
        var listed = Entry().Matches(script).ToDictionary(m => m.Groups["path"].Value, m => m.Groups["sha"].Value);

        var onDisk = Directory.EnumerateFiles(ReferenceData.Directory!, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "NOTES.md")
            .Select(f => Path.GetRelativePath(ReferenceData.Directory!, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(onDisk, listed.Keys.Order(StringComparer.Ordinal));

        foreach (var (path, sha) in listed)
        {
            using var stream = File.OpenRead(ReferenceData.PathOf(path.Split('/')));
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
    }

    private static string ScriptPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ControlApi.sln")))
                return Path.Combine(dir.FullName, "scripts", "fetch-reference.sh");
        throw new InvalidOperationException("ControlApi.sln not found above the test binaries.");
    }

    [GeneratedRegex("""^\s*"(?<sha>[0-9a-f]{64}) (?<path>\S+) \S+"$""", RegexOptions.Multiline)]
    private static partial Regex Entry();
}
