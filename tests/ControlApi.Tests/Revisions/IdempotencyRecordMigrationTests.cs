using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Data;
using ControlApi.Http;
using ControlApi.Security;
using ControlApi.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using static ControlApi.Tests.Support.HttpJson;

namespace ControlApi.Tests.Revisions;

/// <summary>
/// Idempotency records written before they remembered domain outcomes (status code, answer JSON,
/// Location) are carried over by the migration and still replay the answer they gave.
/// </summary>
public sealed class IdempotencyRecordMigrationTests : IDisposable
{
    private const string Settings = "/api/v1/clusters/local/cilium";
    private const string BeforeOutcomes = "20261202162614_RollbacksAndPersons";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("controlapi-idem-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task A_record_stored_as_an_http_answer_replays_the_same_answer_after_the_upgrade()
    {
        const string body = """{"hostFirewall":{"enabled":true}}""";
        var answer = new JsonObject
        {
            ["cluster"] = "local",
            ["noChange"] = false,
            ["revision"] = new JsonObject
            {
                ["cluster"] = "local", ["number"] = 7, ["state"] = "Accepted", ["stateReason"] = null,
                ["settings"] = JsonNode.Parse(ControlApi.Tests.Shared.SeedSettings.Json), ["author"] = "admin", ["onBehalfOf"] = null,
                ["reason"] = "before the upgrade", ["source"] = "api", ["createdAt"] = "2026-12-01T10:00:00+00:00", ["commitSha"] = null,
                ["warnings"] = new JsonArray(), ["timeline"] = new JsonArray(), ["secondsToVerified"] = null, ["values"] = new JsonArray(),
            },
            ["warnings"] = new JsonArray(),
            ["sideEffects"] = new JsonArray(),
        };
        await using (var db = new ControlApiDbContext(ControlApiDbContext.SqliteOptions($"Data Source={Path.Combine(_dataDirectory, "controlapi.db")};Pooling=False").Options))
        {
            await db.GetService<IMigrator>().MigrateAsync(BeforeOutcomes);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "IdempotencyRecords" ("ClusterId", "Key", "RequestHash", "StatusCode", "ResponseJson", "Location", "CreatedAt")
                VALUES ('local', 'old-key', {Fingerprint(HttpMethods.Put, Settings, body)}, 202, {answer.ToJsonString()}, '/api/v1/clusters/local/revisions/7', 0)
                """);
        }

        using var factory = new ControlApiFactory(dataDirectory: _dataDirectory);
        var client = factory.CreateClient(Role.Operator);
        var replay = await client.SendAsync(Request(HttpMethod.Put, Settings, Json(body), ("Idempotency-Key", "old-key")));

        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal("/api/v1/clusters/local/revisions/7", replay.Headers.Location?.OriginalString);
        Assert.Equal("\"7\"", replay.Headers.ETag?.Tag);
        var replayed = await replay.ReadJsonAsync();
        Assert.Equal(7, (int)replayed["revision"]!["number"]!);
        Assert.Equal("before the upgrade", (string)replayed["revision"]!["reason"]!);
        Assert.Equal(0, (int)(await (await client.GetAsync(Settings)).ReadJsonAsync())["revision"]!);
    }

    /// <summary>The fingerprint the endpoint computes for this request (method, path, content type, body).</summary>
    private static string Fingerprint(string method, string path, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.ContentType = "application/json; charset=utf-8";
        return ChangeEndpoint.Fingerprint(context.Request, Encoding.UTF8.GetBytes(body));
    }
}
