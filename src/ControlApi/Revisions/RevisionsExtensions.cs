using ControlApi.Audit;

namespace ControlApi.Revisions;

public static class RevisionsExtensions
{
    public static IServiceCollection AddRevisions(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddScoped<RevisionReader>();
        services.AddScoped<ChangeService>();
        services.AddScoped<RevisionRollback>();
        services.AddScoped<Cilium.ManifestPlanner>();

        services.AddOptions<WaitingOptions>().BindConfiguration(WaitingOptions.SectionName);
        services.AddScoped<RevisionWaiter>();
        services.AddScoped<RevisionDiffer>();
        return services;
    }
}
