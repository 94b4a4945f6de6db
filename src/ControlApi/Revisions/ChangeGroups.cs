using System.Collections.Concurrent;

namespace ControlApi.Revisions;

/// <summary>
/// A change waiting for its cluster's write turn: the request, the chart it was checked against
/// (found before the turn), and how it ends: <see cref="Outcome"/> once a group has run it, or
/// <see cref="Lead"/> when this change is to lead the next group.
/// </summary>
public sealed class QueuedChange(ChangeRequest request, ChartContext chart, CancellationToken cancellationToken)
{
    public ChangeRequest Request { get; } = request;
    public ChartContext Chart { get; } = chart;

    /// <summary>The requester's token: a change whose requester went away before its group starts is not made.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    internal TaskCompletionSource<ChangeOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal TaskCompletionSource Lead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(ChangeOutcome outcome) => Outcome.TrySetResult(outcome);

    public void Fail(Exception error) => Outcome.TrySetException(error);
}

/// <summary>
/// Group commit for a cluster's changes. A write turn costs the same for one change as for many —
/// on PostgreSQL the advisory locks, a round trip per read of the cluster's state and the WAL flush
/// at commit, on SQLite the fsync — and a burst of writers to one cluster takes turns one at a time
/// anyway (revision numbers are gap-free). So changes that arrive while a turn is running wait here,
/// and the next one to go leads them all through one turn: each still checked against the one before
/// it, numbered, audited and answered on its own (<see cref="ChangeService"/>). With nobody waiting
/// a change goes at once, alone, as before.
/// </summary>
/// <remarks>
/// Per process: replicas still take turns through the database's locks. The leader is a requester
/// (its request runs the group), so leading ends with the group — the next waiter leads the one
/// after — and no request runs longer than its own group.
/// </remarks>
public sealed class ChangeGroups
{
    /// <summary>
    /// The most changes one turn takes. Each change costs a few milliseconds of validation and
    /// description inside the turn, and the cluster's other writers (the commit job recording a
    /// push) wait behind the whole group: 32 keeps a turn well under a second on a busy 2-core machine.
    /// </summary>
    public const int MaxGroupSize = 32;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    private sealed class Lane
    {
        public readonly Queue<QueuedChange> Waiting = new();
        public bool Led;
    }

    /// <summary>
    /// Runs <paramref name="change"/> in a group: leads one (<paramref name="leadAsync"/> with this
    /// change first, then those waiting, in arrival order) when no group of its cluster is running,
    /// else waits for a leader to run it or to hand it the lead. <paramref name="leadAsync"/> must
    /// complete or fail every change it is given.
    /// </summary>
    public async Task<ChangeOutcome> RunAsync(string clusterId, QueuedChange change, Func<IReadOnlyList<QueuedChange>, Task> leadAsync)
    {
        var lane = _lanes.GetOrAdd(clusterId, _ => new Lane());
        bool leads;
        lock (lane)
        {
            leads = !lane.Led;
            if (leads) lane.Led = true;
            else lane.Waiting.Enqueue(change);
        }
        // Waiting ignores the requester's token: the change may already be in a running group, and a
        // waiter that left could never take the lead handed to it. Its group skips it if it was cancelled.
        if (!leads && await Task.WhenAny(change.Outcome.Task, change.Lead.Task) == change.Outcome.Task) return await change.Outcome.Task;

        var group = new List<QueuedChange>(MaxGroupSize) { change };
        lock (lane)
        {
            while (group.Count < MaxGroupSize && lane.Waiting.TryDequeue(out var next)) group.Add(next);
        }
        try
        {
            await leadAsync(group);
        }
        catch (Exception ex)
        {
            foreach (var member in group) member.Fail(ex);
        }
        finally
        {
            HandOver(lane);
        }
        if (!change.Outcome.Task.IsCompleted) change.Fail(new InvalidOperationException("A change led its own group but was not completed."));
        return await change.Outcome.Task;
    }

    /// <summary>How many changes of the cluster are in a group or waiting for one (the leader's included).</summary>
    internal int InLine(string clusterId)
    {
        if (!_lanes.TryGetValue(clusterId, out var lane)) return 0;
        lock (lane) return lane.Waiting.Count + (lane.Led ? 1 : 0);
    }

    private static void HandOver(Lane lane)
    {
        QueuedChange? next;
        lock (lane)
        {
            if (!lane.Waiting.TryDequeue(out next)) lane.Led = false;
        }
        next?.Lead.TrySetResult();
    }
}
