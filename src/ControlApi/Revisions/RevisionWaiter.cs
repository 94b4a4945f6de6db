using ControlApi.Core.Revisions;
using ControlApi.Persistence;
using Microsoft.Extensions.Options;

namespace ControlApi.Revisions;

/// <summary><c>ControlApi:Waiting</c>: long polls on a revision's state (<c>?waitFor=</c>).</summary>
public sealed class WaitingOptions
{
    public const string SectionName = "ControlApi:Waiting";

    /// <summary>The longest wait a caller may ask for; longer requests are refused, not shortened.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The wait a caller gets who names a state but no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a waiting request re-reads the revision although no signal came: changes made in this
    /// process wake it at once; this catches those of another process (a second replica, a restart).
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>A revision as it was when a wait ended, and how it ended.</summary>
public sealed record RevisionWaitResult(RevisionResource Revision, WaitOutcome Outcome);

/// <summary>
/// Holds a request until a revision reaches a state (or fails on its way), a deadline passes or the
/// host stops. It sleeps on <see cref="RevisionStateSignal"/> and re-reads on a timer; it never spins.
/// </summary>
public sealed class RevisionWaiter(
    RevisionReader revisions,
    RevisionStateSignal signal,
    IHostApplicationLifetime lifetime,
    IOptions<WaitingOptions> options,
    TimeProvider time)
{
    /// <summary>
    /// Null when the revision does not exist. A host that stops ends the wait like a timeout (the
    /// caller asks again, maybe another replica); a caller that goes away cancels it.
    /// </summary>
    public async Task<RevisionWaitResult?> WaitAsync(string clusterId, int number, RevisionState requested, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var recheck = options.Value.RecheckInterval > TimeSpan.Zero ? options.Value.RecheckInterval : TimeSpan.FromSeconds(3);
        while (true)
        {
            // Taken before the read: a change committed after it completes this task.
            var changed = signal.NextChange;
            if (await revisions.FindAsync(clusterId, number, cancellationToken) is not { } revision) return null;
            if (revision.State is not { } state) return new RevisionWaitResult(revision, WaitOutcome.Failed);
            if (RevisionWait.Judge(requested, state) is { } outcome) return new RevisionWaitResult(revision, outcome);

            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || lifetime.ApplicationStopping.IsCancellationRequested)
                return new RevisionWaitResult(revision, WaitOutcome.TimedOut);
            await SleepAsync(changed, left < recheck ? left : recheck, cancellationToken);
        }
    }

    /// <summary>Until the signal, the delay, or the host stopping — whichever is first; the caller leaving throws.</summary>
    private async Task SleepAsync(Task changed, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var sleep = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var timer = Task.Delay(delay, time, sleep.Token);
        await Task.WhenAny(changed, timer);
        await sleep.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
