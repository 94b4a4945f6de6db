using ControlApi.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ControlApi.Audit;

namespace ControlApi.Revisions;

public static class RevisionsExtensions
{
    public static IServiceCollection AddRevisions(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        // Readers that often answer from memory take the request's context lazily: building a
        // DbContext (options lookup, set initialisation) cost more than the cached read itself.
        services.TryAddScoped(provider => new Lazy<ControlApiDbContext>(provider.GetRequiredService<ControlApiDbContext>));
        services.TryAddScoped<Persistence.RequestDatabaseVersion>();
        services.AddScoped<RevisionReader>();
        services.AddSingleton<CurrentRevisionCache>();
        services.AddSingleton<RenderedFilesCache>();
        services.AddScoped<ChangeService>();
        services.AddSingleton<ChangeGroups>();
        Approvals.ApprovalsExtensions.AddApprovals(services);
        services.AddScoped<Holds.ClusterHolds>();
        services.AddScoped<Governance.ClusterPolicies>();
        services.AddScoped<Governance.ChangeWindowGate>();
        services.AddScoped<Governance.ScheduledReleases>();
        services.AddScoped<ChangePreviewer>();
        services.AddScoped<RevisionBaselines>();
        services.AddScoped<Adoption.AdoptionStatus>();
        services.AddScoped<Adoption.ClusterAdoption>();
        services.AddSingleton<Adoption.AdoptionStateCache>();
        services.AddSingleton<Adoption.LiveReleaseProbe>();
        services.AddSingleton<Charts.ChartCatalog>();
        services.AddOptions<Charts.ChartOptions>().BindConfiguration(Charts.ChartOptions.SectionName);
        services.AddHttpClient(Charts.ChartCatalog.HttpClientName);
        services.AddScoped<RevisionRollback>();
        services.AddScoped<Cilium.ManifestPlanner>();

        services.AddOptions<WaitingOptions>().BindConfiguration(WaitingOptions.SectionName);
        services.AddScoped<RevisionWaiter>();
        services.AddScoped<RevisionDiffer>();
        return services;
    }
}
