namespace ControlApi.Commits;

/// <summary>
/// A seam between "pushed" and "recorded in the database", so tests can crash the commit job at the
/// worst moment and prove the restart makes no second commit. The service registers none.
/// </summary>
public interface ICommitFaultPoint
{
    Task AfterPushAsync(string clusterId, int revision, CancellationToken cancellationToken);
}
