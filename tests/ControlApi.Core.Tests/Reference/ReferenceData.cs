using ControlApi.Tests.Shared;

namespace ControlApi.Core.Tests.Reference;

/// <summary>
/// Finds the upstream reference data (Cilium, Flux, Talos files described by their NOTES.md):
/// <c>CONTROLAPI_REFERENCE_DIR</c> if set, else <c>../shared/reference</c> beside the directory
/// holding ControlApi.sln (found by walking up from the test binaries). Nothing is copied into the
/// project; when the data is missing, tests that need it are skipped with <see cref="MissingReason"/>.
/// </summary>
public static class ReferenceData
{
    public const string EnvironmentVariable = "CONTROLAPI_REFERENCE_DIR";

    private static readonly Lazy<(string? Directory, string? Reason)> Located = new(Locate);

    /// <summary>The reference directory, or <c>null</c> when it cannot be found.</summary>
    public static string? Directory => Located.Value.Directory;

    /// <summary>Why the data is missing (the skip reason), or <c>null</c> when it is there.</summary>
    public static string? MissingReason => Located.Value.Reason;

    /// <summary>A file under the reference directory; only call from tests that are not skipped.</summary>
    public static string PathOf(params string[] relative) =>
        Path.Combine([Directory ?? throw new InvalidOperationException(MissingReason), .. relative]);

    public static string Read(params string[] relative) => File.ReadAllText(PathOf(relative));

    private static (string?, string?) Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return LooksLikeReference(fromEnvironment)
                ? (Path.GetFullPath(fromEnvironment), null)
                : (null, $"{EnvironmentVariable}='{fromEnvironment}' has no cilium/, flux/ and talos/ reference folders.");
        }

        if (RepositoryRoot.TryFind() is not { } root)
            return (null, $"ControlApi.sln not found above {AppContext.BaseDirectory} and {EnvironmentVariable} is not set, so the upstream reference data cannot be located.");

        var candidate = Path.GetFullPath(Path.Combine(root, "..", "shared", "reference"));
        return LooksLikeReference(candidate)
            ? (candidate, null)
            : (null, $"Upstream reference data not found at {candidate} (beside ControlApi.sln) and {EnvironmentVariable} is not set; fetch it with scripts/fetch-reference.sh.");
    }

    private static bool LooksLikeReference(string directory) =>
        System.IO.Directory.Exists(Path.Combine(directory, "cilium"))
        && System.IO.Directory.Exists(Path.Combine(directory, "flux"))
        && System.IO.Directory.Exists(Path.Combine(directory, "talos"));
}
