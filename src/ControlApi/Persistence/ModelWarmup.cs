using ControlApi.Data;

namespace ControlApi.Persistence;

/// <summary>
/// EF Core builds the model on a context's first use — a few hundred milliseconds of a cold start,
/// needing neither the database nor anything the host starts. Begun on a thread-pool thread as soon
/// as the service provider exists, it runs on the second core while the main thread opens the job
/// storage and maps the endpoints; the first real use (the migrations) waits for it instead of
/// building it again, as EF Core builds a model once under its own lock.
/// </summary>
public static class ModelWarmup
{
    public static void StartBuildingModel(this IServiceProvider services) => _ = Task.Run(() =>
    {
        try
        {
            using var scope = services.CreateScope();
            _ = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().Model;
        }
        catch (Exception)
        {
            // Only a head start: a host stopped before the model was built (a one-off command, a test),
            // or a configuration the start refuses anyway — the migrations' own first use reports it.
        }
    });
}
