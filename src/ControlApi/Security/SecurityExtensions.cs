using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ControlApi.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// API keys, roles and limits. Every endpoint needs a key unless it says <c>AllowAnonymous</c>
    /// (the fallback policy), and the role follows the method unless the endpoint names one.
    /// No CORS is configured: browsers on other origins get no access by default.
    /// </summary>
    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.SectionName))
            .Validate(o => o.RateLimits.PerKey > 0 && o.RateLimits.PerAddress > 0 && o.RateLimits.Window > TimeSpan.Zero,
                $"{SecurityOptions.SectionName}:RateLimits needs positive PerKey, PerAddress and Window.")
            .Validate(o => o.FailedAuthentication.PerAddress > 0 && o.FailedAuthentication.Window > TimeSpan.Zero,
                $"{SecurityOptions.SectionName}:FailedAuthentication needs a positive PerAddress and Window.")
            .Validate(o => o.DeniedAudit.PerAddress > 0 && o.DeniedAudit.Total > 0 && o.DeniedAudit.Window > TimeSpan.Zero,
                $"{SecurityOptions.SectionName}:DeniedAudit needs positive PerAddress, Total and Window.")
            .ValidateOnStart();

        services.AddSingleton<BootstrapAdminKey>();
        services.AddSingleton(new AdminKeyConsole(Console.Out));
        services.AddSingleton<FailedAuthenticationThrottle>();
        // The key store answers most requests from memory: its context is built only when needed.
        services.TryAddScoped(provider => new Lazy<Data.ControlApiDbContext>(provider.GetRequiredService<Data.ControlApiDbContext>));
        services.TryAddScoped<Persistence.RequestDatabaseVersion>();
        services.AddScoped<ApiKeyStore>();
        services.AddSingleton<ApiKeyCache>();
        // After the database initializer (registered earlier): the first key needs the migrated schema.
        // It finishes while the server starts; /readyz waits for it (StartupWork).
        services.TryAddSingleton<Health.StartupWork>();
        services.AddHostedService<AdminKeyBootstrapper>();
        services.AddSingleton<DeniedRequestAudit>();
        services.AddHostedService(provider => provider.GetRequiredService<DeniedRequestAudit>());

        // The scheme's own "was not authenticated" line would be a second line for every refused
        // request: the access line already has its status and key id, and the auth.denied audit event the reason.
        builder.Logging.AddFilter(typeof(ApiKeyAuthenticationHandler).FullName, LogLevel.Warning);
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(SecurityPolicies.ByMethod)
            .SetDefaultPolicy(SecurityPolicies.ByMethod)
            .AddPolicy(SecurityPolicies.Viewer, SecurityPolicies.Build(Role.Viewer))
            .AddPolicy(SecurityPolicies.Operator, SecurityPolicies.Build(Role.Operator))
            .AddPolicy(SecurityPolicies.Approver, SecurityPolicies.Build(Role.Approver))
            .AddPolicy(SecurityPolicies.Admin, SecurityPolicies.Build(Role.Admin));
        services.AddSingleton<IAuthorizationHandler, MinimumRoleHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, DeniedRequestResponder>();

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SecurityOptions>, TimeProvider>((limiter, security, time) => RequestRateLimits.Configure(limiter, security.Value, time));
        // The Hangfire dashboard checks antiforgery tokens on its POSTs when this service exists.
        services.AddAntiforgery();
        services.Configure<OpenApiOptions>("v1", OpenApiSecurity.Configure);
        return builder;
    }

    /// <summary>
    /// Who is calling, how often, and whether they may. Placed after the OpenAPI document and Swagger
    /// UI (public) and before every endpoint; authorization runs last so even refused requests count
    /// against the rate limits.
    /// </summary>
    public static WebApplication UseSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRequestRateLimits();
        app.UseAuthorization();
        return app;
    }
}
