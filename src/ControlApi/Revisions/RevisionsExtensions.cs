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
        return services;
    }
}
