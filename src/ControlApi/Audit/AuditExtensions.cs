namespace ControlApi.Audit;

public static class AuditExtensions
{
    /// <summary>Reading and checking the audit history (the writer, <see cref="AuditLog"/>, belongs to the change path).</summary>
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AuditReader>();
        builder.Services.AddScoped<AuditChainVerifier>();
        builder.Services.AddOptions<EventStreamOptions>().Bind(builder.Configuration.GetSection(EventStreamOptions.SectionName));
        builder.Services.AddSingleton<EventStreamSlots>();
        builder.Services.AddScoped<AuditEventStream>();
        return builder;
    }
}
