using ControlApi.Data;

namespace ControlApi.Persistence;

/// <summary>
/// A cluster's value read inside a write turn, kept until that turn ends. For what changes only in
/// the cluster's own turn (holds, the policy): a group of changes (Revisions.ChangeGroups) runs in
/// one turn and asks for it once per change, so it is read once. Outside a turn it is always read
/// afresh; a turn that ends (commit, rollback, a group run again) leaves it behind, since the next
/// turn is another transaction. The owner's own writes call <see cref="Forget"/>.
/// </summary>
public sealed class TurnMemo<T>
{
    private (object Turn, string ClusterId, T Value)? _read;

    public async Task<T> GetOrReadAsync(ControlApiDbContext db, string clusterId, Func<Task<T>> read)
    {
        var turn = db.Database.CurrentTransaction;
        if (turn is not null && _read is { } kept && ReferenceEquals(kept.Turn, turn) && kept.ClusterId == clusterId) return kept.Value;
        var value = await read();
        _read = turn is null ? null : (turn, clusterId, value);
        return value;
    }

    public void Forget() => _read = null;
}
