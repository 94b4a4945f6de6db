namespace ControlApi.Core.Rendering;

/// <summary>A file ControlApi owns in the GitOps repository: repository-relative path and exact bytes (UTF-8).</summary>
public sealed record ManagedFile(string Path, string Content);
