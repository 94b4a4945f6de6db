namespace ControlApi.Bench;

/// <summary>
/// A copy of the machine's .NET runtime (the <c>dotnet</c> host, <c>host/fxr</c> and the shared
/// frameworks) for one service under test, as the image gives the service a runtime of its own. On
/// the bench's machine the framework's files are also mapped by the bench itself and every other
/// .NET process, so their pages are shared and stay resident whatever the service does; in the
/// container only the service maps them. Memory measured on a private copy is the image's.
/// </summary>
internal sealed class PrivateRuntime : IDisposable
{
    private PrivateRuntime(string root) => Root = root;

    public string Root { get; }

    /// <summary>The copy's <c>dotnet</c>: it finds the frameworks beside itself.</summary>
    public string Host => Path.Combine(Root, "dotnet");

    public static PrivateRuntime Copy()
    {
        // shared/Microsoft.NETCore.App/<version>/ → the root three levels up.
        var machine = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var root = Directory.CreateTempSubdirectory("controlapi-bench-runtime-").FullName;
        // File.Copy keeps the file mode on Unix: the copy is executable.
        File.Copy(Path.Combine(machine, "dotnet"), Path.Combine(root, "dotnet"));
        foreach (var part in new[] { "host", "shared" }) CopyDirectory(Path.Combine(machine, part), Path.Combine(root, part));
        return new PrivateRuntime(root);
    }

    /// <summary>What the copy's host needs beside it: its own root, not the machine's.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["DOTNET_ROOT"] = Root,
        ["DOTNET_MULTILEVEL_LOOKUP"] = "0",
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var directory in Directory.EnumerateDirectories(from)) CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
    }
}
