using ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>Refuses a chat configuration that cannot work, at start, naming each key.</summary>
public sealed class ChatopsOptionsValidator(IOptions<ControlApiOptions> service) : IValidateOptions<ChatopsOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatopsOptions options)
    {
        var failures = new List<string>();
        const string root = ChatopsOptions.SectionName;

        var clusters = service.Value.Clusters.Select(c => c.Id).ToList();
        if (!string.IsNullOrWhiteSpace(options.DefaultCluster) && !clusters.Contains(options.DefaultCluster, StringComparer.Ordinal))
            failures.Add($"{root}:DefaultCluster '{options.DefaultCluster}' is not a configured cluster ({string.Join(", ", clusters)}).");

        if (options.UnknownUsers?.Trim().ToLowerInvariant() is not (ChatRoles.Viewer or ChatRoles.Deny))
            failures.Add($"{root}:UnknownUsers '{options.UnknownUsers}' must be '{ChatRoles.Viewer}' or '{ChatRoles.Deny}'.");

        foreach (var (platform, users) in options.Users)
        {
            if (platform.ToLowerInvariant() is not (ChatPlatforms.Slack or ChatPlatforms.Mattermost or ChatPlatforms.Teams))
                failures.Add($"{root}:Users:{platform} is not a chat platform ({ChatPlatforms.Slack}, {ChatPlatforms.Mattermost}, {ChatPlatforms.Teams}).");
            foreach (var (user, role) in users)
            {
                if (ChatRoles.Parse(role) is null)
                    failures.Add($"{root}:Users:{platform}:{user} '{role}' is not a role ({ChatRoles.Viewer}, {ChatRoles.Operator}, {ChatRoles.Approver} or {ChatRoles.Admin}).");
            }
        }

        if (options.MaxBodyBytes is < 1024 or > 1024 * 1024)
            failures.Add($"{root}:MaxBodyBytes {options.MaxBodyBytes} must be between 1024 and 1048576.");
        if (options.HistoryLength is < 1 or > 50)
            failures.Add($"{root}:HistoryLength {options.HistoryLength} must be between 1 and 50.");

        CheckSecret(options.Slack.SigningSecret, options.Slack.SigningSecretFile, $"{root}:Slack:SigningSecret", failures);
        if (options.Slack.TimestampTolerance <= TimeSpan.Zero || options.Slack.TimestampTolerance > TimeSpan.FromMinutes(15))
            failures.Add($"{root}:Slack:TimestampTolerance {options.Slack.TimestampTolerance} must be positive and at most 15 minutes (Slack recommends 5).");
        if (options.Slack.ReplayCacheCapacity < 1)
            failures.Add($"{root}:Slack:ReplayCacheCapacity must be at least 1.");
        CheckHosts(options.Slack.ResponseUrlHosts, $"{root}:Slack:ResponseUrlHosts", failures);

        CheckSecret(options.Mattermost.Token, options.Mattermost.TokenFile, $"{root}:Mattermost:Token", failures);
        CheckHosts(options.Mattermost.ResponseUrlHosts, $"{root}:Mattermost:ResponseUrlHosts", failures);

        if (CheckSecret(options.Teams.SecurityToken, options.Teams.SecurityTokenFile, $"{root}:Teams:SecurityToken", failures) is { } token
            && !IsBase64(token))
            failures.Add($"{root}:Teams:SecurityToken is not base64; paste the security token Teams showed when the outgoing webhook was created.");
        if (options.Teams.TimestampTolerance <= TimeSpan.Zero || options.Teams.TimestampTolerance > TimeSpan.FromMinutes(15))
            failures.Add($"{root}:Teams:TimestampTolerance {options.Teams.TimestampTolerance} must be positive and at most 15 minutes.");
        if (options.Teams.ReplayCacheCapacity < 1)
            failures.Add($"{root}:Teams:ReplayCacheCapacity must be at least 1.");

        var followUp = options.FollowUp;
        if (followUp.PollInterval <= TimeSpan.Zero || followUp.MaxPollInterval < followUp.PollInterval)
            failures.Add($"{root}:FollowUp:PollInterval must be positive and not above MaxPollInterval.");
        if (followUp.Deadline <= TimeSpan.Zero)
            failures.Add($"{root}:FollowUp:Deadline must be positive.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Both forms set, or an unreadable file, is an error; returns the secret when there is one. Messages never contain it.</summary>
    private static string? CheckSecret(string? value, string? file, string key, List<string> failures)
    {
        if (!string.IsNullOrWhiteSpace(value) && !string.IsNullOrWhiteSpace(file))
        {
            failures.Add($"{key} and {key}File are both set; keep one (preferably the file).");
            return null;
        }
        try
        {
            return ChatSecrets.Read(value, file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failures.Add($"{key}File '{file}' cannot be read ({ex.GetType().Name}).");
            return null;
        }
    }

    private static void CheckHosts(string[]? hosts, string key, List<string> failures)
    {
        foreach (var host in hosts ?? [])
        {
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
                failures.Add($"{key} '{host}' is not a host name (write hooks.slack.com, not a URL).");
        }
    }

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }
}
