using System.Diagnostics;
using System.Net;
using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Audit;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Replicas;

/// <summary>What only PostgreSQL has: instants stored at microseconds, a password in the connection string, migrations run by several replicas or by a Job.</summary>
public sealed class PostgreSqlProviderTests
{
    [Fact]
    public async Task An_audit_event_written_at_a_sub_microsecond_instant_reads_back_identical_and_the_chain_verifies()
    {
        using var service = new ControlApiFactory();
        // 100 ns ticks that timestamptz cannot keep (it keeps microseconds), at a non-UTC offset Npgsql would refuse.
        var odd = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var appended = await AuditSeed.AppendAsync(service, [(odd, AuditSeed.Entry("change.accepted")), (odd.AddTicks(3), AuditSeed.Entry("git.committed"))]);

        await using var scope = service.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().AuditEvents.AsNoTracking()
            .Where(e => appended.Select(a => a.Id).Contains(e.Id)).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(appended.Select(a => (a.Time, a.Hash)), stored.Select(s => (s.Time, s.Hash)));
        Assert.All(stored, s => Assert.Equal(TimeSpan.Zero, s.Time.Offset));
        Assert.Equal(odd.UtcTicks - odd.UtcTicks % 10, stored[0].Time.UtcTicks);
        Assert.All(stored, s => Assert.Equal(s.Hash, AuditLog.ComputeHash(s)));

        // And through the API, with events the service wrote itself at the system clock's instants.
        var client = service.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        var verdict = await (await service.CreateClient(Role.Admin).GetAsync("/api/v1/audit/verify")).ReadJsonAsync();
        Assert.True((bool)verdict["ok"]!, verdict.ToJsonString());
        Assert.True((long)verdict["checked"]! >= 3);
    }

    [Fact]
    public async Task A_write_turn_waits_for_the_one_before_it_whether_that_one_commits_or_rolls_back()
    {
        using var service = new ControlApiFactory();
        var turns = service.Services.GetRequiredService<Persistence.WriteTurns>();
        await using var firstScope = service.Services.CreateAsyncScope();
        await using var secondScope = service.Services.CreateAsyncScope();
        var firstDb = firstScope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var secondDb = secondScope.ServiceProvider.GetRequiredService<ControlApiDbContext>();

        // Two contexts are two sessions, as two replicas would be.
        var first = await turns.BeginAsync(firstDb, Persistence.WriteScope.Cluster("local"), CancellationToken.None);
        var second = turns.BeginAsync(secondDb, Persistence.WriteScope.Global, CancellationToken.None);
        var waited = await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(second, waited); // held by the chain head's lock
        await first.DisposeAsync();     // a rollback ends the lock as a commit would
        await using (var taken = await second.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            var third = turns.BeginAsync(firstDb, Persistence.WriteScope.Cluster("local"), CancellationToken.None);
            Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(TimeSpan.FromMilliseconds(500))));
            await taken.CommitAsync(CancellationToken.None);
            await (await third.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();
        }
    }

    [Theory]
    [InlineData(null, null, "needs exactly one of ControlApi:Database:ConnectionString or ControlApi:Database:ConnectionStringFile")]
    [InlineData("Host=127.0.0.1", "/nonexistent/connection", "needs exactly one of")]
    [InlineData(null, "/nonexistent/connection", "ControlApi:Database:ConnectionStringFile '/nonexistent/connection' does not exist")]
    public void PostgreSql_without_exactly_one_readable_connection_string_stops_the_start_naming_the_key(string? inline, string? file, string expected)
    {
        using var service = new ControlApiFactory(new()
        {
            [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
            [ControlApiFactory.DatabaseConnectionKey] = inline,
            ["ControlApi:Database:ConnectionStringFile"] = file,
        });
        Assert.Contains(expected, Assert.ThrowsAny<Exception>(() => service.Services).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_job_is_picked_up_on_notification_not_at_the_next_poll()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator);
        for (var n = 1; n <= 5; n++)
        {
            var body = Shared.SeedSettings.Json.Replace("hubble.goldentooth.net", $"hubble-{n}.goldentooth.net", StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/cilium", Json(body))).StatusCode);
            await Eventually.WaitAsync(async () => (string?)(await (await client.GetAsync($"/api/v1/clusters/local/revisions/{n}")).ReadJsonAsync())["state"],
                state => state == "Committed", TimeSpan.FromSeconds(45), $"revision {n} to be committed");
        }

        // Pick-up: from the job's Enqueued state to its Processing state, as Hangfire records them.
        // Measured there rather than end to end, so a busy machine's slow commits do not count.
        // Idle workers wait on LISTEN and look anyway every 5 s (HangfireStorage.PostgreSqlFallbackPoll):
        // were they polling, the typical pick-up would be 2.5 s.
        var monitoring = service.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        // The revision reads Committed once the push is recorded; the job that recorded it is marked
        // Succeeded by its worker a moment later.
        await Eventually.WaitAsync(() => Task.FromResult(monitoring.SucceededJobs(0, 100).Count(job => job.Value.Job?.Type == typeof(global::ControlApi.Commits.CommitJob))),
            count => count >= 5, TimeSpan.FromSeconds(30), "five commit jobs to be marked Succeeded");
        var pickUps = monitoring.SucceededJobs(0, 100)
            .Where(job => job.Value.Job?.Type == typeof(global::ControlApi.Commits.CommitJob))
            .Select(job => monitoring.JobDetails(job.Key).History)
            // History is newest first: the last Processing, and the Enqueued state it came from.
            .Select(history => history.SkipWhile(h => h.StateName != "Processing").ToList())
            .Select(fromProcessing => fromProcessing[0].CreatedAt - fromProcessing.First(h => h.StateName == "Enqueued").CreatedAt)
            .Order().ToList();
        Assert.True(pickUps.Count >= 5, $"{pickUps.Count} commit jobs");
        Assert.True(pickUps[pickUps.Count / 2] < TimeSpan.FromSeconds(1), "pick-ups: " + string.Join(", ", pickUps.Select(t => $"{t.TotalMilliseconds:0} ms")));
    }

    [Fact]
    public async Task The_database_password_appears_in_no_log_line_and_no_answer()
    {
        var database = PostgreSqlServer.Shared.CreateDatabase();
        const string password = "pw-Do-Not-Log-7f3a9c";
        try
        {
            var logs = new CapturingLoggerProvider();
            var connection = new NpgsqlConnectionStringBuilder(PostgreSqlServer.Shared.ConnectionString(database)) { Password = password }.ConnectionString;
            var secretFile = Path.Combine(Directory.CreateTempSubdirectory("controlapi-secret-").FullName, "connection");
            // A mounted Secret ends with a newline; it is trimmed.
            await File.WriteAllTextAsync(secretFile, connection + "\n");
            using (var service = new ControlApiFactory(new()
            {
                [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
                ["ControlApi:Database:ConnectionStringFile"] = secretFile,
            }, logs: logs))
            {
                var client = service.CreateClient(Role.Operator);
                Assert.Equal(HttpStatusCode.Accepted, (await client.PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
                await Eventually.WaitAsync(async () => (string?)(await (await client.GetAsync("/api/v1/clusters/local/revisions/1")).ReadJsonAsync())["state"],
                    state => state == "Committed", TimeSpan.FromSeconds(45), "revision 1 to be committed");
                var admin = service.CreateClient(Role.Admin);
                foreach (var path in new[] { "/readyz", "/api/v1/audit?limit=50", "/hangfire/servers" })
                    Assert.DoesNotContain(password, await (await admin.GetAsync(path)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.Contains("Database ready at PostgreSQL 127.0.0.1:", logs.AllText, StringComparison.Ordinal);
            Assert.DoesNotContain(password, logs.AllText, StringComparison.Ordinal);
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }

    [Fact]
    public void A_configuration_with_a_bad_connection_string_stops_the_start_naming_the_key_not_the_password()
    {
        const string password = "pw-Not-In-Messages-19e2";
        using var service = new ControlApiFactory(new()
        {
            [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
            [ControlApiFactory.DatabaseConnectionKey] = $"Host=127.0.0.1;Password={password};Colour=blue",
        });
        var error = Assert.ThrowsAny<Exception>(() => service.Services);
        var message = error.ToString();
        Assert.Contains("ControlApi:Database:ConnectionString is not a valid PostgreSQL connection string", message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicas_starting_together_on_an_empty_database_migrate_it_once_and_all_start()
    {
        var database = PostgreSqlServer.Shared.CreateDatabase();
        try
        {
            Dictionary<string, string?> Settings() => new()
            {
                [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
                [ControlApiFactory.DatabaseConnectionKey] = PostgreSqlServer.Shared.ConnectionString(database),
            };
            var replicas = Enumerable.Range(0, 3).Select(_ => new ControlApiFactory(Settings())).ToList();
            try
            {
                await Task.WhenAll(replicas.Select(r => Task.Run(() => r.Services)));
                foreach (var replica in replicas)
                    Assert.Equal(HttpStatusCode.OK, (await replica.CreateClient().GetAsync("/readyz")).StatusCode);
                await using var scope = replicas[0].Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
                var applied = await db.Database.GetAppliedMigrationsAsync();
                Assert.Equal(db.Database.GetMigrations(), applied);
            }
            finally
            {
                foreach (var replica in replicas) replica.Dispose();
            }
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
        }
    }

    [Fact]
    public async Task The_migrate_command_applies_the_migrations_and_exits_0_and_a_replica_that_does_not_migrate_starts_on_them()
    {
        var database = PostgreSqlServer.Shared.CreateDatabase();
        var data = Directory.CreateTempSubdirectory("controlapi-migrate-").FullName;
        try
        {
            var connection = PostgreSqlServer.Shared.ConnectionString(database);
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ControlApi.dll"), "migrate"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["ControlApi__DataDirectory"] = data,
                    ["ControlApi__Database__Provider"] = "PostgreSql",
                    ["ControlApi__Database__ConnectionString"] = connection,
                },
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await output}{error}");
            Assert.Contains("Migrations applied", await output, StringComparison.Ordinal);

            using var replica = new ControlApiFactory(new()
            {
                [ControlApiFactory.DatabaseProviderKey] = "PostgreSql",
                [ControlApiFactory.DatabaseConnectionKey] = connection,
                ["ControlApi:Database:MigrateAtStart"] = "false",
            });
            Assert.Equal(HttpStatusCode.OK, (await replica.CreateClient().GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted,
                (await replica.CreateClient(Role.Operator).PutAsync("/api/v1/clusters/local/cilium", Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);
        }
        finally
        {
            PostgreSqlServer.Shared.DropDatabase(database);
            Directory.Delete(data, recursive: true);
        }
    }
}
