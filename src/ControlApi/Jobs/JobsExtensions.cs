using ControlApi.Commits;
using ControlApi.Concurrency;
using ControlApi.Configuration;
using ControlApi.GitOps;
using ControlApi.Security;
using Hangfire;
using Hangfire.Common;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;

namespace ControlApi.Jobs;

public static class JobsExtensions
{
    /// <summary>
    /// Hangfire on SQLite in the data directory, or on PostgreSQL in its own schema. The storage and job activator are this host's own
    /// singletons (registered before <c>AddHangfire</c>, which only fills gaps), so two hosts in one
    /// process — parallel tests — never share Hangfire's static <c>JobStorage.Current</c>.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CommitOptions>().Bind(builder.Configuration.GetSection(CommitOptions.SectionName));
        services.AddOptions<JobsOptions>().Bind(builder.Configuration.GetSection(JobsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<JobsOptions>, JobsOptionsValidator>();
        services.AddGitOps(builder.Configuration);

        // One storage for the client, the dashboard and every server: on SQLite an enqueue wakes
        // the idle workers of its queue through it (WakingSQLiteStorage).
        services.AddSingleton<JobStorage>(provider =>
            HangfireStorage.Open(provider, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value.QueuePollInterval));
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        // Hangfire moves scheduled jobs by its own clock (the real one), so their wake-ups use it too.
        services.AddSingleton(new ScheduleWakeUps(TimeProvider.System));
        // Hangfire's filters (attributes, global) plus the one announcing scheduled jobs' times; this
        // host's own, for the client and every server (not the process-wide GlobalJobFilters).
        services.AddSingleton<IJobFilterProvider>(provider => new JobFilterProviderCollection(
            JobFilterProviders.Providers,
            new JobFilterCollection { new ScheduleWakeUps.Filter(provider.GetRequiredService<ScheduleWakeUps>()) }));
        services.AddHangfire((provider, configuration) => configuration
            .UseLogProvider(new HangfireLogProvider(provider.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHostedService<DefaultQueueServer>();

        services.AddLeases(builder.Configuration);
        services.AddSingleton<ClusterTurns>();
        services.AddSingleton<CommitScheduler>();
        services.AddScoped<CommitJob>();
        // Order matters: the repository exists before the first sweep hands work to the commit job.
        services.AddHostedService<EmbeddedRepositoryInitializer>();
        services.AddSingleton<OutboxSweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxSweeper>());
        return builder;
    }

    /// <summary>
    /// The Hangfire dashboard, for admin keys only: an endpoint behind the admin policy (bearer header,
    /// or the browser's Basic prompt with the key as password), so refusals are answered and audited
    /// like every other route. Hangfire's own filters are off; the policy is the check.
    /// </summary>
    /// <remarks>
    /// The same endpoint Hangfire's <c>MapHangfireDashboardWithAuthorizationPolicy</c> maps, but the
    /// dashboard behind it (its route table of some sixty pages and commands) is built on the first
    /// request that passes the policy, not at every start (README "Start-up and memory").
    /// </remarks>
    public static WebApplication UseJobsDashboard(this WebApplication app)
    {
        var dashboard = new Lazy<RequestDelegate>(() =>
        {
            var pipeline = ((IEndpointRouteBuilder)app).CreateApplicationBuilder();
            pipeline.UseHangfireDashboard(DashboardPaths.Root, new DashboardOptions
            {
                DisplayStorageConnectionString = false,
                // No Hangfire filters (its default admits local requests only): the endpoint's policy is the check.
                Authorization = [],
                AsyncAuthorization = [],
            }, app.Services.GetRequiredService<JobStorage>());
            return pipeline.Build();
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        app.Map(DashboardPaths.Root + "/{**path}", context => dashboard.Value(context))
            .RequireAuthorization(SecurityPolicies.Admin);
        return app;
    }
}
