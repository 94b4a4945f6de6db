namespace ControlApi.Health;

/// <summary>
/// Start-up work that finishes while the server already listens, so its CPU overlaps Kestrel's start
/// and the first requests' JIT instead of coming before them. The host's start still ends only when
/// it is done (the work's owner awaits it in <c>StartedAsync</c>); until then <c>/readyz</c> answers
/// 503 naming what is still running, so "ready" keeps meaning it can take a change.
/// </summary>
public sealed class StartupWork
{
    /// <summary>The 503 detail while something is still running; {0} says what.</summary>
    public const string StillStartingFormat = "Still starting: {0}. Try again in a moment.";

    private readonly Lock _gate = new();
    private readonly List<(string What, Task Work)> _work = [];

    public void Add(string what, Task work)
    {
        lock (_gate) _work.Add((what, work));
    }

    /// <summary>Everything added, done or not.</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            lock (_gate) return [.. _work.Select(w => w.What)];
        }
    }

    /// <summary>What has not completed successfully yet (failed work stays here: the host stops on it), or null.</summary>
    public string? Pending
    {
        get
        {
            lock (_gate) return _work.FirstOrDefault(w => !w.Work.IsCompletedSuccessfully).What;
        }
    }
}
