namespace ControlApi.Tests.GitOps.Support;

/// <summary>Command lines of the live processes on this machine (Linux /proc), to prove none was left behind.</summary>
public static class ProcessTable
{
    public static bool IsAvailable => Directory.Exists("/proc/self");

    public static IReadOnlyList<string> CommandLinesContaining(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(ReadCommandLine)
            .Where(c => c.Contains(text, StringComparison.Ordinal))];

    /// <summary>Waits until no live process mentions <paramref name="text"/>; a killed process needs a moment to be reaped.</summary>
    public static bool NoneContaining(string text, TimeSpan within) =>
        SpinWait.SpinUntil(() => CommandLinesContaining(text).Count == 0, within);

    private static string ReadCommandLine(string processDirectory)
    {
        try
        {
            // A zombie or a process that just exited has an empty or missing command line.
            return File.ReadAllText(Path.Combine(processDirectory, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
