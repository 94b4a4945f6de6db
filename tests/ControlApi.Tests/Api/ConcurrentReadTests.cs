using System.Net;
using ControlApi.Data;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Api;

/// <summary>
/// Readers are never held up by a writer: the audit, revision and settings pages answer at once
/// while another connection is in the middle of a write transaction on the very tables they read.
/// </summary>
public sealed class ConcurrentReadTests : IDisposable
{
    private readonly ControlApiFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Reads_answer_with_the_committed_data_while_a_write_transaction_is_open()
    {
        var operatorClient = _factory.CreateClient(Role.Operator);
        Assert.Equal(HttpStatusCode.Accepted, (await operatorClient.PutAsync("/api/v1/clusters/local/features/host-firewall", Json("""{"enabled":true}"""))).StatusCode);
        var viewer = _factory.CreateClient(Role.Viewer);
        viewer.Timeout = TimeSpan.FromSeconds(10);
        // Warm the key's last-used write before the transaction starts.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/audit")).StatusCode);

        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEvents" SET "Summary" = 'uncommitted'""");
        await db.Database.ExecuteSqlRawAsync("""UPDATE "Revisions" SET "Reason" = 'uncommitted'""");

        var audit = await viewer.GetAsync("/api/v1/audit?kind=change.");
        var revisions = await viewer.GetAsync("/api/v1/clusters/local/revisions");
        var settings = await viewer.GetAsync("/api/v1/clusters/local/cilium");

        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revisions.StatusCode);
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.DoesNotContain("uncommitted", await audit.Content.ReadAsStringAsync());
        Assert.DoesNotContain("uncommitted", await revisions.Content.ReadAsStringAsync());
        Assert.NotEmpty((await audit.ReadJsonAsync())["items"]!.AsArray());
        await transaction.RollbackAsync();
    }
}
