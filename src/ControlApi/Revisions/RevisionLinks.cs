namespace ControlApi.Revisions;

/// <summary>The URLs of revision resources, written in one place.</summary>
public static class RevisionLinks
{
    public static string Revision(string cluster, int number) =>
        $"/api/v1/clusters/{Uri.EscapeDataString(cluster)}/revisions/{number}";
}
