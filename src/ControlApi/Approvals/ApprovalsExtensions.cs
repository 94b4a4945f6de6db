namespace ControlApi.Approvals;

public static class ApprovalsExtensions
{
    public static IServiceCollection AddApprovals(this IServiceCollection services)
    {
        services.AddScoped<ApprovalGate>();
        services.AddScoped<ApprovalService>();
        services.AddSingleton<ApprovalExpirySweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<ApprovalExpirySweeper>());
        return services;
    }
}
