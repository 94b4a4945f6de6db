namespace ControlApi.Tests.Shared;

/// <summary>
/// The checkout the tests run from: the nearest directory above the test binaries that holds
/// ControlApi.sln. Tests read README.md, deploy/, scripts/ and ../shared/reference relative to it.
/// </summary>
public static class RepositoryRoot
{
    /// <summary>The directory holding ControlApi.sln, or <c>null</c> when there is none above the test binaries.</summary>
    public static string? TryFind()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ControlApi.sln"))) return dir.FullName;
        return null;
    }

    /// <summary>A path below the repository root, e.g. <c>PathOf("deploy", "base")</c>; throws when there is no root.</summary>
    public static string PathOf(params string[] relative) =>
        Path.Combine([TryFind() ?? throw new InvalidOperationException("ControlApi.sln not found above the test binaries."), .. relative]);
}
