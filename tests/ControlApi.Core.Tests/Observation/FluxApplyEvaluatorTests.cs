using ControlApi.Core.Observation;
using static ControlApi.Core.Tests.Observation.FluxFixtures;

namespace ControlApi.Core.Tests.Observation;

public sealed class FluxApplyEvaluatorTests
{
    private static readonly IReadOnlySet<string> OnlyC = new HashSet<string> { C };

    public static TheoryData<string, FluxSnapshot, string> Cases => new()
    {
        { "source still at the old commit", new(Source(Older), KustomizationAppliedAt(Older), ReleaseReady(2)), "Waiting GitRepository" },
        { "source fetched C, Kustomization not yet", new(Source(C), KustomizationAppliedAt(Older), ReleaseReady(2)), "Waiting Kustomization" },
        { "Kustomization reconciling C", new(Source(C), KustomizationProgressing(Older, C), ReleaseUpgrading(3, 2)), "Waiting Kustomization" },
        { "Kustomization applied C, HelmRelease not at G yet", new(Source(C), KustomizationAppliedAt(C), ReleaseUpgrading(3, 2)), "Waiting HelmRelease" },
        { "HelmRelease Ready for an older generation", new(Source(C), KustomizationAppliedAt(C), ReleaseReady(3, readyObserved: 2, observed: 3)), "Waiting HelmRelease" },
        { "HelmRelease Ready with a reason that is not a release", new(Source(C), KustomizationAppliedAt(C), ReleaseReady(3, reason: "ReconciliationSucceeded")), "Waiting HelmRelease" },
        { "applied and Ready at G", new(Source(C), KustomizationAppliedAt(C), ReleaseReady(3)), "Applied 3" },
        { "installed and Ready at G", new(Source(C), KustomizationAppliedAt(C), ReleaseReady(1, reason: "InstallSucceeded")), "Applied 1" },
        { "HelmRelease UpgradeFailed at G", new(Source(C), KustomizationAppliedAt(C), ReleaseFailed(3)), "Failed HelmRelease UpgradeFailed" },
        { "HelmRelease stalled: retries exhausted", new(Source(C), KustomizationAppliedAt(C), ReleaseFailed(3, stalled: true)), "Failed HelmRelease RetriesExceeded" },
        { "health check failed under a failed release: the release's reason wins",
            new(Source(C), KustomizationFailed(Older, C, "HealthCheckFailed", "health check failed after 5m0s"), ReleaseFailed(3)), "Failed HelmRelease UpgradeFailed" },
        { "C applied and health-checking while the release fails", new(Source(C), KustomizationCheckingHealth(Older, C), ReleaseFailed(3)), "Failed HelmRelease UpgradeFailed" },
        { "C only being fetched: an old release failure is not ours", new(Source(C), KustomizationProgressing(Older, C), ReleaseFailed(2)), "Waiting Kustomization" },
        { "build failed for C", new(Source(C), KustomizationFailed(Older, C, "BuildFailed", "kustomize build failed: accumulating resources"), ReleaseReady(2)), "Failed Kustomization BuildFailed" },
        { "a failure of an older attempt is not ours", new(Source(C), KustomizationFailed(Older, Older, "BuildFailed", "old"), ReleaseReady(2)), "Waiting Kustomization" },
        { "artifact failures clear up on their own", new(Source(C), KustomizationFailed(Older, C, "ArtifactFailed", "artifact not found"), ReleaseReady(2)), "Waiting Kustomization" },
        { "the GitRepository is missing", new(FluxObjectStatus.Missing(FluxKind.GitRepository, GitRepositoryRef), KustomizationAppliedAt(Older), ReleaseReady(2)), "Waiting GitRepository" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_snapshot_maps_to_one_verdict(string situation, FluxSnapshot snapshot, string expected)
    {
        var verdict = FluxApplyEvaluator.Determine(snapshot, OnlyC) switch
        {
            FluxProgress.Waiting w => $"Waiting {w.Stage}",
            FluxProgress.Applied a => $"Applied {a.HelmReleaseGeneration}",
            FluxProgress.Failed f => $"Failed {f.Object} {f.Reason}",
            _ => "?",
        };
        Assert.True(expected == verdict, $"{situation}: expected {expected}, got {verdict}");
    }

    [Fact]
    public void A_failed_upgrade_carries_Flux_message()
    {
        var failed = Assert.IsType<FluxProgress.Failed>(FluxApplyEvaluator.Determine(new(Source(C), KustomizationAppliedAt(C), ReleaseFailed(3)), OnlyC));
        Assert.Equal(UpgradeFailedMessage, failed.Message);
    }

    [Fact]
    public void A_descendant_the_caller_knows_about_counts_as_the_commit()
    {
        var snapshot = new FluxSnapshot(Source(Newer), KustomizationAppliedAt(Newer), ReleaseReady(5));
        Assert.IsType<FluxProgress.Waiting>(FluxApplyEvaluator.Determine(snapshot, OnlyC));
        var applied = Assert.IsType<FluxProgress.Applied>(FluxApplyEvaluator.Determine(snapshot, new HashSet<string> { C, Newer }));
        Assert.Equal(Rev(Newer), applied.Revision);
        Assert.Equal([Newer], snapshot.NamedCommits());
    }

    [Fact]
    public void A_Kustomization_that_checks_health_is_applied_only_when_Healthy()
    {
        var unhealthy = KustomizationAppliedAt(C) with
        {
            Conditions = [new Condition("Ready", "True", "ReconciliationSucceeded", "Applied", 4), new Condition("Healthy", "Unknown", "Progressing", "Running health checks", 4)],
        };
        var verdict = FluxApplyEvaluator.Determine(new(Source(C), unhealthy, ReleaseReady(3)), OnlyC);
        Assert.Equal(FluxKind.Kustomization, Assert.IsType<FluxProgress.Waiting>(verdict).Stage);
    }

    [Theory]
    [InlineData("main@sha1:3F2B1C0D9E8A7F6B5C4D3E2F1A0B9C8D7E6F5A4B", "3f2b1c0d9e8a7f6b5c4d3e2f1a0b9c8d7e6f5a4b")]
    [InlineData("refs/heads/main@sha1:abc123", "abc123")]
    [InlineData("sha1:abc123", "abc123")]
    [InlineData("v1.2.3@sha256:00ff", "00ff")]
    [InlineData("1.18.2", null)]
    [InlineData("main@md5:abc", null)]
    [InlineData("main@sha1:--exec", null)]
    [InlineData("", null)]
    public void Revision_strings_name_their_commit(string revision, string? hash) => Assert.Equal(hash, FluxRevision.Hash(revision));
}
