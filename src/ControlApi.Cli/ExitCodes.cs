namespace ControlApi.Cli;

/// <summary>What a script can tell apart without reading the output.</summary>
public static class ExitCodes
{
    /// <summary>Done: the answer came, or the revision reached the state waited for.</summary>
    public const int Done = 0;
    /// <summary>The change failed on its way (CommitFailed, ReconcileFailed, RolloutStuck, ...).</summary>
    public const int Failed = 1;
    /// <summary>The command line was wrong, or the service refused (a 4xx problem).</summary>
    public const int Refused = 2;
    /// <summary>The wait ended before the revision reached the state.</summary>
    public const int TimedOut = 3;
    /// <summary>No answer from the service at all.</summary>
    public const int Unreachable = 4;
    /// <summary>The revision waits for its cluster's change window (Scheduled): not failed, but not going before the window opens.</summary>
    public const int Scheduled = 5;
}
