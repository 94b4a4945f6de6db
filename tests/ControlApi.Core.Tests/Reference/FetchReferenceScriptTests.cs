using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ControlApi.Tests.Shared;

namespace ControlApi.Core.Tests.Reference;

/// <summary>scripts/fetch-reference.sh fetches every reference file, and its checksums are those of the data the tests use.</summary>
public sealed partial class FetchReferenceScriptTests
{
    [ReferenceFact]
    public void The_fetch_script_lists_every_reference_file_with_its_sha256()
    {
        var script = File.ReadAllText(RepositoryRoot.PathOf("scripts", "fetch-reference.sh"));
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

    [GeneratedRegex("""^\s*"(?<sha>[0-9a-f]{64}) (?<path>\S+) \S+"$""", RegexOptions.Multiline)]
    private static partial Regex Entry();
}
