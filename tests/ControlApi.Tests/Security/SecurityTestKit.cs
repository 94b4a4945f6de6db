using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Security;

/// <summary>Small helpers shared by the security tests: requests with chosen credentials and addresses, audit reads.</summary>
public static class SecurityTestKit
{
    public static HttpRequestMessage Get(string url, string? authorization = null, string? from = null) =>
        With(new HttpRequestMessage(HttpMethod.Get, url), authorization, from);

    /// <summary>Sets the raw Authorization header (any text, well-formed or not) and the caller's address.</summary>
    public static HttpRequestMessage With(HttpRequestMessage request, string? authorization, string? from = null)
    {
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (from is not null) request.Headers.TryAddWithoutValidation(ControlApiFactory.RemoteAddressHeader, from);
        return request;
    }

    public static string Bearer(string key) => new AuthenticationHeaderValue("Bearer", key).ToString();

    public static async Task<List<AuditEvent>> AuditEventsAsync(this ControlApiFactory service, string? kind = null)
    {
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        return await db.AuditEvents.AsNoTracking().Where(e => kind == null || e.Kind == kind).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>Reads the audit log of a stopped service straight from its database (file, or PostgreSQL database).</summary>
    public static async Task<List<AuditEvent>> AuditEventsInAsync(string dataDirectory, string kind)
    {
        var options = TestDatabaseAttribute.UsePostgreSql
            ? ControlApiDbContext.PostgreSqlOptions(PostgreSqlServer.Shared.ConnectionString(PostgreSqlServer.Shared.DatabaseFor(dataDirectory))).Options
            : ControlApiDbContext.SqliteOptions($"Data Source={Path.Combine(dataDirectory, "controlapi.db")};Pooling=False").Options;
        await using var db = new ControlApiDbContext(options);
        return await db.AuditEvents.AsNoTracking().Where(e => e.Kind == kind).OrderBy(e => e.Id).ToListAsync();
    }

    public static JsonNode Details(this AuditEvent e) => JsonNode.Parse(e.DetailsJson)!;
}
