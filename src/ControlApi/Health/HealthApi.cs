using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Health;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the database is reachable and fully migrated. Both public (probes carry no key).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok", null)))
            .WithTags("Health").WithName("Healthz").WithSummary("Liveness: the process is up.")
            .WithDescription("Answers 200 while the process serves HTTP; it checks nothing else, so a restart is the only cure when it fails. Needs no key (probes carry none).")
            .AllowAnonymous();
        app.MapGet("/readyz", Ready)
            .WithTags("Health").WithName("Readyz").WithSummary("Readiness: database reachable and migrations applied.")
            .WithDescription("200 when the database opens and every migration is applied; 503 with the reason in 'detail' otherwise, so a load balancer sends no traffic yet. Needs no key.")
            .Produces<HealthStatus>(StatusCodes.Status200OK)
            .Produces<HealthStatus>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
        return app;
    }

    public static async Task<IResult> Ready(ControlApiDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            if (!await db.Database.CanConnectAsync(cancellationToken))
                return TypedResults.Json(new HealthStatus("unavailable", "The database cannot be opened."), statusCode: StatusCodes.Status503ServiceUnavailable);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
                return TypedResults.Json(new HealthStatus("unavailable", $"{pending.Count} migration(s) not applied yet."), statusCode: StatusCodes.Status503ServiceUnavailable);
            return TypedResults.Ok(new HealthStatus("ready", null));
        }
        catch (System.Data.Common.DbException ex)
        {
            // Either engine: PostgreSQL's SQLSTATE, or SQLite's result code (its ErrorCode). Never the message (it may name the server).
            var code = ex.SqlState ?? ex.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Json(new HealthStatus("unavailable", $"Database error {code}."), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

public sealed record HealthStatus(string Status, string? Detail);
