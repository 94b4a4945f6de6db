namespace ControlApi.Cli;

/// <summary>
/// Where the CLI writes. Tests hand in writers and say whether output is "redirected"; the real
/// console decides that from the process (a pipe or file gets plain lines, a terminal a redrawn one).
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsOutputRedirected)
{
    public static CliConsole System => new(Console.Out, Console.Error, Console.IsOutputRedirected);
}
