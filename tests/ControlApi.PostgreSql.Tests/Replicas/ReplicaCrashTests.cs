using System.Net;
using System.Text.Json.Nodes;
using ControlApi.Audit;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using ControlApi.TestCluster.Api;
using ControlApi.TestCluster.Simulator;
using Npgsql;
using Xunit.Abstractions;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// Two replicas — two real <c>dotnet ControlApi.dll</c> processes on one PostgreSQL database and one
/// GitOps remote — and one of them is SIGKILLed in the middle of its work: inside its git push, and
/// while it tracks a rollout. Whichever replica does the work is the one killed (the remote's hook
/// names the processes of the push, the track lease its holder's), so the test does not depend on
/// which replica Hangfire handed the job to.
/// The other replica must finish the work once its lease lapses, and nothing may be done twice.
/// </summary>
public sealed class ReplicaCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Short, so the dead replica's claims lapse in seconds. Not the shortest allowed (3 s): a
    /// replica just started on a loaded machine can miss its first renewals for that long, and
    /// losing its lease while alive would stop its push before the test could kill it there.
    /// </summary>
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly string AdminKey = "crash-test-" + Guid.NewGuid().ToString("N");
    private readonly TempDirectory _temp = new();
    private readonly List<ReplicaProcess> _replicas = [];
    private PlainGit _git = null!;
    private string _remote = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _git = new PlainGit(_temp.Combine("home"));
        _remote = await _git.InitBareAsync(_temp.Combine("fleet.git"));
        _database = PostgreSqlServer.Shared.CreateDatabase();
    }

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            // Shown when a test fails: what each replica logged last, without the test's own requests.
            output.WriteLine($"--- {replica.Name} (pid {replica.Pid}{(replica.HasExited ? ", exited" : "")})");
            foreach (var line in replica.Output.Where(l => !l.Contains("HttpLoggingMiddleware", StringComparison.Ordinal)).TakeLast(60))
                output.WriteLine(line);
            await replica.DisposeAsync();
        }
        PostgreSqlServer.Shared.DropDatabase(_database);
        _temp.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_replica_killed_inside_its_push_is_taken_over_and_the_revision_is_committed_exactly_once(bool killedPushLands)
    {
        // The dead replica's git push outlives it (an orphan) and the remote decides its fate: it
        // lands (the revision is on the remote, but no replica recorded it) or it is refused (it
        // never arrived). Either way the survivor must end with one commit and one record of it.
        var gate = PushGate.Install(_remote, _temp.Combine("gate"));
        await StartReplicasAsync(new Dictionary<string, string>());

        using var accepted = await _replicas[0].Http.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/cilium",
            Json("""{"hostFirewall":{"enabled":true}}"""), ("X-Change-Reason", "killed mid-commit")));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var pushers = await gate.WaitUntilEnteredAsync(TimeSpan.FromSeconds(60));
        var victim = _replicas.Single(r => pushers.Contains(r.Pid));
        var survivor = _replicas.Single(r => r != victim);
        await victim.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        gate.Release(accept: killedPushLands);

        var revision = await survivor.WaitForStateAsync(1, "Committed", TimeSpan.FromSeconds(60));

        // One commit for the revision on the remote, and it is the one the revision names.
        Assert.Equal(["local/1"], await RevisionTrailersAsync());
        Assert.Equal((await _git.RunAsync(_remote, "rev-parse", "main")).Trim(), (string?)revision["commitSha"]);
        Assert.Equal(["Accepted", "Committed"], States(revision));

        var kinds = (await survivor.AuditOfRevisionAsync(1)).Select(e => (string)e["kind"]!).ToList();
        Assert.Equal([AuditKinds.ChangeAccepted, AuditKinds.GitCommitted], kinds);

        // Taken over in seconds: the lease lapses (5 s), the survivor's next outbox sweep (2 s) finds
        // the revision — at worst after a wake of its own that the killed replica's worker had taken
        // is counted as picked up (10 s) — and its commit job runs; with room for a busy machine.
        var committedAt = At(revision, "Committed");
        Assert.True(committedAt - killedAt < TimeSpan.FromSeconds(30), $"committed {(committedAt - killedAt).TotalSeconds:0.0} s after the kill");
        output.WriteLine($"Committed {(committedAt - killedAt).TotalSeconds:0.000} s after the kill (push landed: {killedPushLands})");

        await AssertAuditChainVerifiesAsync(survivor);
    }

    [Fact]
    public async Task A_replica_killed_while_tracking_a_rollout_is_taken_over_and_the_revision_is_Verified_with_each_step_recorded_once()
    {
        await using var server = await TestKubernetesApiServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(_temp.Combine("kubeconfig"));
        // Flux fetches only when asked, so the revision goes live only through a tracker's reconcile request.
        await using var simulator = await ClusterSimulator.StartAsync(server, new ClusterSimulatorOptions { RepositoryPath = _remote, RequireReconcileRequest = true });
        // The rollout halts after 5 of 17 nodes: the tracker is caught in the middle of it, for as long as the test needs.
        simulator.StickRolloutAfter(5);
        await StartReplicasAsync(new Dictionary<string, string>
        {
            ["ControlApi:Clusters:0:Kubernetes:Kubeconfig"] = kubeconfig,
            ["ControlApi:Clusters:0:Kubernetes:Context"] = TestKubernetesApiServer.ContextName,
            // Deadlines far beyond the test: the halted rollout must not count as stuck.
            ["ControlApi:Tracking:ApplyDeadline"] = "00:05:00",
            ["ControlApi:Tracking:RolloutProgressDeadline"] = "00:05:00",
            ["ControlApi:Tracking:VerificationGracePeriod"] = "00:05:00",
            ["ControlApi:Tracking:RecheckInterval"] = "00:00:05",
            ["ControlApi:Tracking:VerifyRecheckInterval"] = "00:00:00.200",
            // The poll is what hands a dead replica's revision to a live one: often, so the takeover is seen in seconds.
            ["ControlApi:Tracking:PollInterval"] = "00:00:02",
            ["ControlApi:Probes:RequestTimeout"] = "00:00:03",
            ["ControlApi:Probes:ExecTimeout"] = "00:00:05",
            ["ControlApi:Probes:WatchReconnectDelay"] = "00:00:00.100",
        });

        using var accepted = await _replicas[0].Http.SendAsync(Request(HttpMethod.Put, "/api/v1/clusters/local/cilium",
            Json("""{"encryption":{"enabled":true,"type":"wireguard"}}"""), ("X-Change-Reason", "killed mid-track")));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // Mid-track: Flux was asked to reconcile, the rollout has started and its first quarter is recorded.
        await Eventually.WaitAsync(() => _replicas[0].AuditOfRevisionAsync(1)!,
            events => events!.Any(e => (string?)e["kind"] == AuditKinds.RolloutProgress), TimeSpan.FromSeconds(60), "the tracker to record the rollout's first quarter");
        var victim = await HolderOfAsync("track:local:1");
        var survivor = _replicas.Single(r => r != victim);
        await victim.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        // Helm waits for the halted rollout, so Flux has not reported the release applied yet.
        Assert.Equal("Committed", (string?)(await survivor.RevisionAsync(1))["state"]);
        simulator.StickRolloutAfter(null);

        var revision = await survivor.WaitForStateAsync(1, "Verified", TimeSpan.FromSeconds(60));

        Assert.Equal(["Accepted", "Committed", "Applied", "RolledOut", "Verified"], States(revision));
        // The rest of the way was followed by the survivor, after the kill.
        Assert.All(new[] { "Applied", "RolledOut", "Verified" }, state => Assert.True(At(revision, state) > killedAt, $"{state} recorded before the kill"));
        output.WriteLine($"Verified {(At(revision, "Verified") - killedAt).TotalSeconds:0.000} s after the kill");
        var events = await survivor.AuditOfRevisionAsync(1);
        // Each step once; rollout progress is one event per quarter of the nodes, each quarter once.
        var once = events.Select(e => (string)e["kind"]!).Where(k => k != AuditKinds.RolloutProgress).ToList();
        Assert.Equal([AuditKinds.ChangeAccepted, AuditKinds.GitCommitted, AuditKinds.FluxReconcileRequested, AuditKinds.FluxApplied, AuditKinds.RolloutCompleted, AuditKinds.VerifyPassed],
            once);
        var quarters = events.Where(e => (string?)e["kind"] == AuditKinds.RolloutProgress).Select(e => (int)e["details"]!["percent"]!).ToList();
        Assert.Equal(quarters.Distinct().Order(), quarters);
        Assert.Contains(25, quarters);

        await AssertAuditChainVerifiesAsync(survivor);
    }

    private async Task StartReplicasAsync(Dictionary<string, string> extra)
    {
        foreach (var name in new[] { "replica-a", "replica-b" })
        {
            var settings = new Dictionary<string, string>
            {
                ["ControlApi:DataDirectory"] = Directory.CreateDirectory(_temp.Combine(name)).FullName,
                ["ControlApi:Database:Provider"] = "PostgreSql",
                ["ControlApi:Database:ConnectionString"] = PostgreSqlServer.Shared.ConnectionString(_database),
                // A remote someone else provides (file://): neither replica creates it.
                ["ControlApi:Clusters:0:GitOps:Repository"] = "file://" + _remote,
                ["ControlApi:Leases:Duration"] = LeaseDuration.ToString(),
                // Fast retries and sweeps, as the in-process tests use: recovery is seen in seconds.
                ["ControlApi:Commits:RetryBaseDelay"] = "00:00:00.200",
                ["ControlApi:Commits:MaxRetryDelay"] = "00:00:01",
                ["ControlApi:Commits:SweepInterval"] = "00:00:02",
            };
            foreach (var (key, value) in extra) settings[key] = value;
            _replicas.Add(ReplicaProcess.Start(name, AdminKey, settings));
        }
        await Task.WhenAll(_replicas.Select(r => r.WaitUntilReadyAsync(StartTimeout)));
    }

    /// <summary>The replica whose process holds the lease now (a holder's id reads <c>{machine}:{pid}:{random}</c>).</summary>
    private async Task<ReplicaProcess> HolderOfAsync(string lease)
    {
        await using var connection = new NpgsqlConnection(PostgreSqlServer.Shared.ConnectionString(_database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Holder" FROM "Leases" WHERE "Name" = @name AND "ExpiresAt" > now()""", connection);
        command.Parameters.AddWithValue("name", lease);
        var holder = (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"Nobody holds {lease}.");
        var pid = int.Parse(holder.Split(':')[^2], System.Globalization.CultureInfo.InvariantCulture);
        return _replicas.Single(r => r.Pid == pid);
    }

    private async Task<List<string>> RevisionTrailersAsync()
    {
        var log = await _git.RunAsync(_remote, "log", "--reverse", "--format=%(trailers:key=ControlApi-Revision,valueonly,separator=)", "main");
        return log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static DateTimeOffset At(JsonNode revision, string state) =>
        revision["timeline"]!.AsArray().Single(t => (string?)t!["state"] == state)!["at"]!.GetValue<DateTimeOffset>();

    private static List<string> States(JsonNode revision) =>
        revision["timeline"]!.AsArray().Select(t => (string)t!["state"]!).ToList();

    private static async Task AssertAuditChainVerifiesAsync(ReplicaProcess replica)
    {
        var verdict = await replica.VerifyAuditAsync();
        Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
    }

    /// <summary>
    /// A <c>pre-receive</c> hook in the bare remote that holds the first push until the test gives a
    /// verdict (accept or refuse); later pushes pass straight through. It writes the process ids of
    /// its ancestors (receive-pack, git push, the replica), so the test knows which replica is inside
    /// the push. The hook gives up (refuses) by itself after a minute, so a failed test leaves no
    /// git process waiting.
    /// </summary>
    private sealed class PushGate
    {
        private readonly string _directory;

        private PushGate(string directory) => _directory = directory;

        private string Claimed => Path.Combine(_directory, "claimed");

        private string Entered => Path.Combine(_directory, "entered");

        private string Verdict => Path.Combine(_directory, "verdict");

        public static PushGate Install(string bareRepository, string directory)
        {
            Directory.CreateDirectory(directory);
            var gate = new PushGate(directory);
            var hook = Path.Combine(bareRepository, "hooks", "pre-receive");
            // mkdir is atomic: only the first push enters the gate. /proc/<pid>/stat reads
            // "pid (name) state ppid …"; the ancestors are written aside and renamed into place.
            File.WriteAllText(hook, $"""
                #!/bin/sh
                cat >/dev/null
                mkdir '{gate.Claimed}' 2>/dev/null || exit 0
                p=$$
                while [ "$p" -gt 1 ]; do echo "$p"; p=$(sed 's/^.*) . //' "/proc/$p/stat" | cut -d' ' -f1); done > '{gate.Entered}.tmp'
                mv '{gate.Entered}.tmp' '{gate.Entered}'
                i=0
                while [ ! -f '{gate.Verdict}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
                [ -f '{gate.Verdict}' ] && exit "$(cat '{gate.Verdict}')"
                exit 1

                """);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return gate;
        }

        /// <summary>Waits until a push is held in the hook; the process ids of the hook and its ancestors.</summary>
        public async Task<IReadOnlySet<int>> WaitUntilEnteredAsync(TimeSpan timeout)
        {
            await Eventually.WaitAsync(() => Task.FromResult(File.Exists(Entered)), entered => entered, timeout, "a replica's push to reach the remote");
            return File.ReadAllLines(Entered).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        }

        public void Release(bool accept)
        {
            // Written aside and renamed, so the hook never reads a half-written verdict.
            var pending = Verdict + ".tmp";
            File.WriteAllText(pending, accept ? "0" : "1");
            File.Move(pending, Verdict);
        }
    }
}
