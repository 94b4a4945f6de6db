using ControlApi.Audit;
using ControlApi.Data;

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
        services.AddSingleton<RevisionStateSignal>();
        services.AddSingleton<RevisionStateSignalInterceptor>();
        services.ConfigureDbContext<ControlApiDbContext>(
            (provider, options) => options.AddInterceptors(provider.GetRequiredService<RevisionStateSignalInterceptor>()),
            ServiceLifetime.Scoped);
        services.AddScoped<RevisionWaiter>();
        return services;
    }
}
