using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Health;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the database is reachable and fully migrated, and the start-up work (<see cref="StartupWork"/>) is done. Both public (probes carry no key).</summary>
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
            .WithDescription("200 when the database opens, every migration is applied and the start-up work is done (a first start's admin key); 503 with the reason in 'detail' otherwise, so a load balancer sends no traffic yet. Needs no key.")
            .Produces<HealthStatus>(StatusCodes.Status200OK)
            .Produces<HealthStatus>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
        return app;
    }

    public static async Task<IResult> Ready(ControlApiDbContext db, Persistence.StorageHealth storage, StartupWork startup, CancellationToken cancellationToken)
    {
        // The server listens before the last start-up work (the first admin key) is done.
        if (startup.Pending is { } starting)
            return TypedResults.Json(new HealthStatus("unavailable", string.Format(System.Globalization.CultureInfo.InvariantCulture, StartupWork.StillStartingFormat, starting)), statusCode: StatusCodes.Status503ServiceUnavailable);
        // A full disk or a locked database still opens: what requests ran into is reported as well.
        if (storage.Current is { } recent)
            return TypedResults.Json(new HealthStatus("unavailable", recent.What), statusCode: StatusCodes.Status503ServiceUnavailable);
        try
        {
            if (!await db.Database.CanConnectAsync(cancellationToken))
                return TypedResults.Json(new HealthStatus("unavailable", "The database cannot be opened."), statusCode: StatusCodes.Status503ServiceUnavailable);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
                return TypedResults.Json(new HealthStatus("unavailable", $"{pending.Count} migration(s) not applied yet."), statusCode: StatusCodes.Status503ServiceUnavailable);
            return TypedResults.Ok(new HealthStatus("ready", null));
        }
        catch (Exception ex) when (Persistence.StorageFaults.Classify(ex) is { } fault)
        {
            storage.Report(fault);
            return TypedResults.Json(new HealthStatus("unavailable", fault.What), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

public sealed record HealthStatus(string Status, string? Detail);
