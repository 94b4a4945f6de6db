using System.Diagnostics;
using System.Globalization;

namespace ControlApi.Telemetry;

/// <summary>
/// ControlApi's own spans: one per background job run, named for the job and tagged with the
/// cluster and revision it works on, so a trace backend shows where a change spent its time.
/// </summary>
public static class ControlApiActivities
{
    public const string SourceName = "ControlApi";
    public const string ClusterTag = "controlapi.cluster";
    public const string RevisionTag = "controlapi.revision";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts "<paramref name="job"/> job"; null when no tracer listens (tracing off).</summary>
    public static Activity? StartJob(string job, string? clusterId, long? revision = null)
    {
        var activity = Source.StartActivity(job + " job", ActivityKind.Internal);
        if (activity is null) return null;
        if (clusterId is not null) activity.SetTag(ClusterTag, clusterId);
        if (revision is not null) activity.SetTag(RevisionTag, revision.Value.ToString(CultureInfo.InvariantCulture));
        return activity;
    }
}
