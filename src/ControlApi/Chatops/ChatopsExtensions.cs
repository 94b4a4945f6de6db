using ControlApi.Revisions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

public static class ChatopsExtensions
{
    /// <summary>Chat commands from Slack, Mattermost and Teams (section <c>ControlApi:Chatops</c>).</summary>
    public static WebApplicationBuilder AddChatops(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChatopsOptions>().Bind(builder.Configuration.GetSection(ChatopsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChatopsOptions>, ChatopsOptionsValidator>();

        services.AddSingleton<SeenSignatures>();
        services.AddSingleton<SlackSignatureVerifier>();
        services.AddSingleton<MattermostTokenVerifier>();
        services.AddSingleton<TeamsSignatureVerifier>();
        services.AddSingleton<ChatUserDirectory>();
        // Scoped: it reads the stored observations through the request's (or job's) DbContext.
        services.AddScoped<ILiveStatusSource, ObservationLiveStatus>();
        services.TryAddScoped<RevisionRollback>();
        services.AddScoped<ChatAudit>();
        services.AddScoped<ChatCommandEngine>();

        services.AddSingleton<ChatFollowUps>();
        services.AddScoped<ChatFollowUpJob>();
        services.AddSingleton<ResponseUrlClient>();
        services.AddHttpClient(ResponseUrlClient.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllLoggers(); // its default logs would write the response_url, a credential
        return builder;
    }
}
