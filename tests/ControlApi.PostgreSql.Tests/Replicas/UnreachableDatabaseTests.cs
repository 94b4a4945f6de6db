using System.Net;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Replicas;

/// <summary>
/// The database server stops taking the service's connections (a failover, a network partition, a
/// DBA closing the database): requests answer 503 with Retry-After, /readyz takes the replica out
/// of the Service, and both come back by themselves once the database does.
/// </summary>
public sealed class UnreachableDatabaseTests
{
    private const string Settings = "/api/v1/clusters/local/cilium";

    [Fact]
    public async Task While_the_database_takes_no_connections_changes_answer_503_and_readyz_is_unready_then_both_recover()
    {
        using var service = new ControlApiFactory();
        var client = service.CreateClient(Role.Operator); // the key is stored while the database is up
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var database = PostgreSqlServer.Shared.DatabaseFor(service.DataDirectory);

        // New connections are refused and the open ones (the service's pool) are ended.
        await AdministerAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
        await AdministerAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        try
        {
            var refused = await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            var problem = await refused.ReadJsonAsync();
            Assert.Equal("urn:controlapi:problem:storage-unavailable", (string)problem["type"]!);
            var detail = (string)problem["detail"]!;
            Assert.Contains("database cannot be used", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(database, detail, StringComparison.Ordinal); // no server, database or user named

            var ready = await client.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("unavailable", (string)(await ready.ReadJsonAsync())["status"]!);
        }
        finally
        {
            await AdministerAsync($"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        }

        // Back: a retried change is accepted (a pooled connection the server ended may fail one
        // request more, which answers 503 like the others), and readiness follows the first write.
        await Eventually.WaitAsync(
            async () => (await client.PutAsync(Settings, Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode,
            status => status == HttpStatusCode.Accepted, TimeSpan.FromSeconds(30), "a change accepted once the database is back");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        await using var scope = service.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Revisions.CountAsync());
    }

    private static async Task AdministerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgreSqlServer.Shared.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
