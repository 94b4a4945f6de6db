using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Data;
using Hangfire;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace ControlApi.Notifications;

public static class NotificationsExtensions
{
    /// <summary>
    /// Webhooks and the Slack notifier: deliveries queued with each audit event, handed to the
    /// <c>deliver</c> job on its own Hangfire queue and workers, secrets under Data Protection.
    /// </summary>
    /// <summary>
    /// Data Protection's own hosted service loads the key ring at start, creating the first key (a
    /// query, a key generation and a database write) on the way to readiness. Only webhook secrets use
    /// the ring, so it is loaded when the first one is sealed or opened instead: the same ring, the same
    /// keys, later (measured: README "Start-up and memory"). Matched by name: the type is internal; were it
    /// renamed, nothing is removed and the ring is loaded at start as before.
    /// </summary>
    private static void LoadKeyRingOnFirstUse(this IServiceCollection services)
    {
        const string hostedService = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";
        var loader = services.FirstOrDefault(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService) && d.ImplementationType?.FullName == hostedService);
        if (loader is not null) services.Remove(loader);
    }

    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NotificationOptions>().Bind(builder.Configuration.GetSection(NotificationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();

        // The key ring lives in the database, so every replica can use a secret another one stored;
        // without it stored secrets cannot be used to sign. Keys an older version kept in the data
        // directory are copied in first (before anything reads the ring).
        services.AddDataProtection().SetApplicationName("ControlApi").PersistKeysToDbContext<ControlApiDbContext>();
        services.LoadKeyRingOnFirstUse();
        services.AddHostedService<KeyRingImport>();
        services.AddSingleton<WebhookSecrets>();

        // Receivers are told, not followed: a redirect could point a signed event anywhere. The
        // client's own request logging is off: it would write receiver URLs (Slack's is a credential).
        services.AddHttpClient(DeliverJob.HttpClientName)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the job's own timeout applies

        services.AddSingleton<DeliveryDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<DeliveryDispatcher>());
        services.AddSingleton<IAuditObserver, DeliveryOutbox>();
        services.AddScoped<SlackNotifier>();
        services.AddScoped<DeliverJob>();

        services.AddHangfireServer((provider, server) =>
        {
            server.Queues = [DeliverJob.Queue];
            server.WorkerCount = provider.GetRequiredService<IOptions<NotificationOptions>>().Value.Workers;
            // Workers only: the default queue's server moves due scheduled and recurring jobs and runs
            // the storage's upkeep (DefaultQueueServer); a second scheduler would only poll and lock.
            server.IsLightweightServer = true;
            server.ServerName = $"controlapi-notifications:{Environment.MachineName}:{Environment.ProcessId}";
            // A try cut short at shutdown is tried again after its lease, so stopping need not wait
            // long; the commit server keeps most of the host's shutdown budget.
            server.ShutdownTimeout = TimeSpan.FromSeconds(5);
        });
        return builder;
    }
}
