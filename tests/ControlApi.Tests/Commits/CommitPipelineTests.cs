using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Commits;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Shared;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Commits;

/// <summary>Accepted revisions reach a real bare repository through the real Hangfire commit job.</summary>
public sealed class CommitPipelineTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private readonly TempDirectory _temp = new();
    private readonly PlainGit _git;
    private readonly string _remote;

    public CommitPipelineTests()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = _temp.Combine("fleet.git");
    }

    public void Dispose() => _temp.Dispose();

    private ControlApiFactory Service(string? dataDirectory = null, Action<IServiceCollection>? services = null, string? remoteUrl = null) =>
        new(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = remoteUrl ?? _remote,
            ["ControlApi:Clusters:0:GitOps:AuthorName"] = "Fleet Bot",
            ["ControlApi:Clusters:0:GitOps:AuthorEmail"] = "fleet-bot@example.test",
        }, dataDirectory, services);

    [Fact]
    public async Task An_accepted_change_becomes_a_commit_with_the_files_message_trailer_and_author()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);

        var put = await client.SendAsync(Request(HttpMethod.Put, Settings, Json(SeedSettings.Json),
            ("X-Change-Reason", "seed cluster final state"), ("X-On-Behalf-Of", "alice")));
        Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);

        var revision = await WaitForStateAsync(client, 1, "Committed");
        var sha = (string)revision["commitSha"]!;
        Assert.Equal(sha, (await _git.RunAsync(_remote, "rev-parse", "main")).Trim());
        var message = await _git.RunAsync(_remote, "log", "-1", "--format=%B", sha);
        Assert.StartsWith("cilium: enable encryption (wireguard)", message);
        Assert.Contains("seed cluster final state", message);
        Assert.Contains("alice", message);
        Assert.Contains("ControlApi-Revision: local/1", message);
        Assert.Equal("Fleet Bot <fleet-bot@example.test>", (await _git.RunAsync(_remote, "log", "-1", "--format=%an <%ae>", sha)).Trim());
        var release = await _git.ShowAsync(_remote, sha, "gitops/infrastructure/cilium/release.yaml");
        Assert.Contains("kind: HelmRelease", release);
        Assert.Contains("external-dns.alpha.kubernetes.io/hostname: hubble.goldentooth.net", release);
        Assert.NotNull(await _git.ShowAsync(_remote, sha, "talos/patches/cilium.yaml"));
        Assert.Equal(["Accepted", "Committed"], revision["timeline"]!.AsArray().Select(t => (string)t!["state"]!));
        Assert.Contains(await AuditKindsAsync(service), k => k == "git.committed");
    }

    [Fact]
    public async Task A_revision_that_renders_the_same_files_makes_no_commit()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        var first = await WaitForStateAsync(client, 1, "Committed");

        // An explicit vxlan is what the chart does by default: different settings, identical files.
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"routing":{"tunnelProtocol":"vxlan"}}"""));

        await WaitForStateAsync(client, 2, "NoChange");
        Assert.Equal((string)first["commitSha"]!, (await _git.RunAsync(_remote, "rev-parse", "main")).Trim());
        Assert.Contains(await AuditKindsAsync(service), k => k == "change.noop");
    }

    [Fact]
    public async Task A_remote_that_moved_ahead_keeps_the_other_commit_and_gets_ours_on_top()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        await WaitForStateAsync(client, 1, "Committed");
        var theirs = await _git.CommitAndPushAsync(_remote, "main", _temp.Path, "docs: add runbook", ("docs/runbook.md", "# Runbook\n"));

        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));

        var ours = await WaitForStateAsync(client, 2, "Committed");
        var sha = (string)ours["commitSha"]!;
        Assert.Equal(theirs, (await _git.RunAsync(_remote, "rev-parse", sha + "^")).Trim());
        Assert.Equal("# Runbook\n", await _git.ShowAsync(_remote, "main", "docs/runbook.md"));
    }

    [Fact]
    public async Task An_unreachable_remote_fails_visibly_then_every_queued_revision_lands_in_order()
    {
        await _git.InitBareAsync(_remote);
        var parked = _remote + ".parked";
        Directory.Move(_remote, parked);
        // A file:// URL is a remote someone else provides: missing means unreachable, not "create it".
        using var service = Service(remoteUrl: "file://" + _remote);
        var client = service.CreateClient(Role.Operator);

        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        var failed = await WaitForStateAsync(client, 1, "CommitFailed");
        Assert.False(string.IsNullOrWhiteSpace((string?)failed["stateReason"]));
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"l7Proxy":false,"bpf":{"masquerade":true}}"""));
        Assert.Contains(await AuditKindsAsync(service), k => k == "git.push_failed");

        Directory.Move(parked, _remote);

        await WaitForStateAsync(client, 3, "Committed");
        var trailers = (await _git.RunAsync(_remote, "log", "--reverse", "--format=%(trailers:key=ControlApi-Revision,valueonly)", "main"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["local/1", "local/2", "local/3"], trailers);
        Assert.Equal("Superseded", (string)(await RevisionAsync(client, 1))["state"]!);
        Assert.Equal("Superseded", (string)(await RevisionAsync(client, 2))["state"]!);
        var first = await RevisionAsync(client, 1);
        Assert.Equal(["Accepted", "CommitFailed", "Committed", "Superseded"], first["timeline"]!.AsArray().Select(t => (string)t!["state"]!));
    }

    [Fact]
    public async Task During_an_outage_sweeps_and_new_changes_schedule_no_second_commit_job()
    {
        await _git.InitBareAsync(_remote);
        Directory.Move(_remote, _remote + ".parked");
        // Retries an hour away: every job counted below was scheduled by a sweep or an early wake.
        using var service = new ControlApiFactory(new Dictionary<string, string?>
        {
            ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + _remote,
            ["ControlApi:Commits:RetryBaseDelay"] = "01:00:00",
            ["ControlApi:Commits:MaxRetryDelay"] = "01:00:00",
            ["ControlApi:Commits:SweepInterval"] = "01:00:00",
        });
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        await WaitForStateAsync(client, 1, "CommitFailed");
        // The retry is scheduled right after the failure is stored (never inside its write turn).
        await Eventually.WaitAsync(() => Task.FromResult(CommitJobs(service)), jobs => jobs.Waiting > 0 && jobs.Running == 0,
            TimeSpan.FromSeconds(30), "the retry to be scheduled");
        Assert.Equal(1, CommitJobs(service).Waiting);

        var sweeper = service.Services.GetRequiredService<OutboxSweeper>();
        for (var i = 0; i < 5; i++) await sweeper.SweepAsync(CancellationToken.None);
        // A new change wakes the job early; it finds the head revision not due and goes back to sleep.
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));
        await Eventually.WaitAsync(() => Task.FromResult(CommitJobs(service)), jobs => jobs.Running == 0 && jobs.Enqueued == 0,
            TimeSpan.FromSeconds(30), "the early-woken commit job to finish");
        for (var i = 0; i < 5; i++) await sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal(1, CommitJobs(service).Waiting);
        Assert.Equal("Accepted", (string)(await RevisionAsync(client, 2))["state"]!);
    }

    /// <summary>Commit jobs in Hangfire's storage: scheduled for later, enqueued now, and running.</summary>
    private static (int Waiting, int Enqueued, int Running) CommitJobs(ControlApiFactory service)
    {
        var monitor = service.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        static bool IsCommit(Hangfire.Common.Job? job) => job?.Type == typeof(CommitJob);
        var scheduled = monitor.ScheduledJobs(0, 1000).Count(j => IsCommit(j.Value.Job));
        var enqueued = monitor.Queues().Sum(q => monitor.EnqueuedJobs(q.Name, 0, 1000).Count(j => IsCommit(j.Value.Job)));
        var running = monitor.ProcessingJobs(0, 1000).Count(j => IsCommit(j.Value.Job));
        return (scheduled, enqueued, running);
    }

    [Fact]
    public async Task A_crash_between_push_and_database_update_makes_exactly_one_commit_after_restart()
    {
        var dataDirectory = _temp.Combine("data");
        Directory.CreateDirectory(dataDirectory);
        var crash = new CrashAfterPush();
        using (var first = Service(dataDirectory, s => s.HookAfterPush(crash.AfterPushAsync)))
        {
            var client = first.CreateClient(Role.Operator);
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            await crash.Crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("Accepted", (string)(await RevisionAsync(client, 1))["state"]!);
        }

        using var restarted = Service(dataDirectory);
        var after = restarted.CreateClient(Role.Operator);

        var revision = await WaitForStateAsync(after, 1, "Committed");
        var log = await _git.RunAsync(_remote, "log", "--format=%H %(trailers:key=ControlApi-Revision,valueonly,separator=)", "main");
        var ours = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.EndsWith("local/1", StringComparison.Ordinal)).ToList();
        Assert.Single(ours);
        Assert.StartsWith((string)revision["commitSha"]!, ours[0]);
    }

    [Fact]
    public async Task The_embedded_default_creates_its_bare_repository_with_an_initial_commit()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        var embedded = Path.Combine(service.DataDirectory, "gitops.git");

        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));

        await WaitForStateAsync(client, 1, "Committed");
        var subjects = await _git.RunAsync(embedded, "log", "--reverse", "--format=%s", "main");
        Assert.Equal(2, subjects.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task When_ready_the_embedded_repository_already_has_its_initial_commit()
    {
        // Its creation runs beside the migrations; readiness still waits for it.
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var subjects = await _git.RunAsync(Path.Combine(service.DataDirectory, "gitops.git"), "log", "--format=%s", "main");
        Assert.Single(subjects.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_embedded_repository_that_disappears_is_not_created_again_and_commits_fail_visibly()
    {
        var data = _temp.Combine("data");
        Directory.CreateDirectory(data);
        string embedded;
        using (var first = new ControlApiFactory(dataDirectory: data))
        {
            var client = first.CreateClient(Role.Operator);
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            await WaitForStateAsync(client, 1, "Committed");
            embedded = Path.Combine(first.DataDirectory, "gitops.git");
        }
        var unmounted = embedded + ".unmounted";
        Directory.Move(embedded, unmounted); // the volume is gone

        // Retries close together: with the default back-off (5 s doubling) the next try after the
        // volume's return can be further away than the wait on a busy machine.
        var quickRetries = new Dictionary<string, string?>
        {
            ["ControlApi:Commits:RetryBaseDelay"] = "00:00:01",
            ["ControlApi:Commits:MaxRetryDelay"] = "00:00:02",
        };
        using (var restarted = new ControlApiFactory(quickRetries, dataDirectory: data))
        {
            var client = restarted.CreateClient(Role.Operator);
            await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));

            var failed = await WaitForStateAsync(client, 2, "CommitFailed");
            Assert.False(string.IsNullOrWhiteSpace((string?)failed["stateReason"]));
            Assert.False(Directory.Exists(embedded));
        }

        // Back on the volume, the original repository gets the revision, on top of revision 1.
        Directory.Move(unmounted, embedded);
        using var back = new ControlApiFactory(quickRetries, dataDirectory: data);
        var again = back.CreateClient(Role.Operator);
        await WaitForStateAsync(again, 2, "Committed");
        Assert.Equal(3, (await _git.RunAsync(embedded, "log", "--format=%s", "main")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_revision_that_cannot_be_rendered_fails_once_and_later_revisions_still_land()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        var first = (string)(await WaitForStateAsync(client, 1, "Committed"))["commitSha"]!;

        // Stored settings that no longer parse (written by a newer version, say), then a good revision after them.
        await StoreAcceptedAsync(service, (2, """{"unknownMember":true}"""), (3, """{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));

        var third = await WaitForStateAsync(client, 3, "Committed");
        await using (var scope = service.Services.CreateAsyncScope())
        {
            // Read from the database: the API cannot show settings that no longer parse.
            var broken = await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Revisions.AsNoTracking().SingleAsync(r => r.Number == 2);
            Assert.Equal("CommitFailed", broken.State);
            Assert.Contains("cannot be rendered", broken.StateReason);
            Assert.Contains("retrying cannot help", broken.StateReason);
        }
        Assert.Equal(first, (await _git.RunAsync(_remote, "rev-parse", (string)third["commitSha"]! + "^")).Trim());
        Assert.Single(await AuditKindsAsync(service), k => k == "git.push_failed");
    }

    [Fact]
    public async Task A_revision_that_todays_rules_refuse_is_not_pushed_and_later_revisions_still_land()
    {
        using var service = Service();
        var client = service.CreateClient(Role.Operator);
        await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
        var first = (string)(await WaitForStateAsync(client, 1, "Committed"))["commitSha"]!;

        // Revision 2 parses and renders but breaks a rule (native routing needs its CIDR), as if an
        // older version with looser rules had accepted it; revision 3 is fine.
        await StoreAcceptedAsync(service,
            (2, """{"hostFirewall":{"enabled":true},"routing":{"mode":"native"}}"""),
            (3, """{"hostFirewall":{"enabled":true},"l7Proxy":false}"""));

        var third = await WaitForStateAsync(client, 3, "Committed");
        var refused = await RevisionAsync(client, 2);
        Assert.Equal("CommitFailed", (string?)refused["state"]);
        var reason = (string)refused["stateReason"]!;
        Assert.Contains("native-routing-cidr-required", reason);
        Assert.Contains("retrying cannot help", reason);
        Assert.Contains("PUT /api/v1/clusters/local/cilium", reason);
        // Nothing of revision 2 reached the repository: revision 3 sits right on revision 1.
        Assert.Equal(first, (await _git.RunAsync(_remote, "rev-parse", (string)third["commitSha"]! + "^")).Trim());
        Assert.Single(await AuditKindsAsync(service), k => k == "git.push_failed");
    }

    /// <summary>Revisions stored as Accepted with their outbox rows, as an older version (or another writer) left them; then a commit wake.</summary>
    private static async Task StoreAcceptedAsync(ControlApiFactory service, params (int Number, string Json)[] revisions)
    {
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        foreach (var (number, json) in revisions)
        {
            var revision = new ControlApi.Data.Entities.Revision
            {
                ClusterId = "local", Number = number, SettingsJson = json, Author = "test", Source = "api",
                CreatedAt = DateTimeOffset.UtcNow, State = "Accepted", StateChangedAt = DateTimeOffset.UtcNow,
            };
            db.Revisions.Add(revision);
            await db.SaveChangesAsync();
            db.Outbox.Add(new ControlApi.Data.Entities.OutboxMessage { ClusterId = "local", RevisionId = revision.Id, RevisionNumber = number, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        scope.ServiceProvider.GetRequiredService<CommitScheduler>().ScheduleNow("local");
    }

    private static async Task<JsonNode> RevisionAsync(HttpClient client, int number) =>
        await (await client.GetAsync($"/api/v1/clusters/local/revisions/{number}")).ReadJsonAsync();

    private static Task<JsonNode> WaitForStateAsync(HttpClient client, int number, string state) =>
        Eventually.WaitAsync(() => RevisionAsync(client, number)!, r => (string?)r?["state"] == state,
            TimeSpan.FromSeconds(45), $"revision {number} to be {state}");

    private static async Task<List<string>> AuditKindsAsync(ControlApiFactory service)
    {
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        return await db.AuditEvents.OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync();
    }

    /// <summary>Dies right after the push, before the database learns about it — once.</summary>
    private sealed class CrashAfterPush
    {
        public TaskCompletionSource Crashed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task AfterPushAsync(ControlApi.GitOps.PublishResult pushed, CancellationToken cancellationToken)
        {
            Crashed.TrySetResult();
            // The job is abandoned as on a process that dies: nothing after the push runs, and nothing catches it.
            throw new OperationCanceledException("simulated crash between push and database update");
        }
    }
}
