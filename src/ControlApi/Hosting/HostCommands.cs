using ControlApi.Persistence;

namespace ControlApi.Hosting;

/// <summary>
/// One-off commands run by the same binary with the same configuration instead of the web service:
/// <c>dotnet ControlApi.dll &lt;command&gt; [options]</c>. Each gets the built host's services (nothing
/// is started: no listener, no jobs) and returns the process exit code. Add a command here.
/// </summary>
public static class HostCommands
{
    /// <summary>The exit code of the command <paramref name="args"/> names; null when they name none (run the service).</summary>
    public static async Task<int?> TryRunAsync(string[] args, IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (args.Length == 0) return null;
        return args[0] switch
        {
            // Apply the database migrations and exit: a Kubernetes Job before a rollout, with
            // ControlApi:Database:MigrateAtStart=false on the replicas.
            "migrate" => await MigrateAsync(services, cancellationToken),
            "export" => await HistoryTransfer.ExportCommandAsync(services, Option(args, "--to"), cancellationToken),
            "import" => await HistoryTransfer.ImportCommandAsync(services, Option(args, "--from"), cancellationToken),
            _ => null,
        };
    }

    private static async Task<int> MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.MigrateDatabaseAsync(cancellationToken);
        services.GetRequiredService<ILoggerFactory>().CreateLogger("ControlApi.Migrate")
            .LogInformation("Migrations applied to {Database}", services.DescribeDatabase());
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
