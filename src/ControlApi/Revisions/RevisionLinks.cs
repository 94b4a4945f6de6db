namespace ControlApi.Revisions;

/// <summary>The URLs of revision resources, written in one place.</summary>
public static class RevisionLinks
{
    public static string Revision(string cluster, int number) =>
        $"/api/v1/clusters/{Uri.EscapeDataString(cluster)}/revisions/{number}";

    /// <summary>The cluster's desired Cilium settings (PUT/PATCH make a change).</summary>
    public static string Desired(string cluster) =>
        $"/api/v1/clusters/{Uri.EscapeDataString(cluster)}/cilium";
}
