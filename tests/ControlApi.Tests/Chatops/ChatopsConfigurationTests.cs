using ControlApi.Chatops;
using ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace ControlApi.Tests.Chatops;

/// <summary>A chat configuration that cannot work stops the start, naming the key.</summary>
public sealed class ChatopsConfigurationTests
{
    private static IReadOnlyList<string> Failures(ChatopsOptions options)
    {
        var service = Options.Create(new ControlApiOptions { Clusters = [new ClusterOptions { Id = "local" }] });
        var result = new ChatopsOptionsValidator(service).Validate(null, options);
        return result.Failed ? result.Failures!.ToList() : [];
    }

    [Fact]
    public void The_empty_configuration_is_valid_and_leaves_every_platform_off()
    {
        var options = new ChatopsOptions();
        Assert.Empty(Failures(options));
        Assert.False(new SlackSignatureVerifier(Options.Create(options), TimeProvider.System).IsConfigured);
        Assert.False(new MattermostTokenVerifier(Options.Create(options)).IsConfigured);
        Assert.False(new TeamsSignatureVerifier(Options.Create(options), TimeProvider.System).IsConfigured);
    }

    [Fact]
    public void Roles_platforms_and_the_unknown_user_policy_are_checked()
    {
        var options = new ChatopsOptions { UnknownUsers = "guest" };
        options.Users["slack"] = new() { ["U1"] = "superuser" };
        options.Users["irc"] = new() { ["nick"] = "viewer" };

        var failures = Failures(options);

        Assert.Contains(failures, f => f.Contains("ControlApi:Chatops:UnknownUsers 'guest'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ControlApi:Chatops:Users:slack:U1 'superuser'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ControlApi:Chatops:Users:irc is not a chat platform", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_are_checked_without_being_repeated()
    {
        var options = new ChatopsOptions
        {
            Slack = { SigningSecret = "s3cr3t-value", SigningSecretFile = "/run/secrets/slack", ResponseUrlHosts = ["https://hooks.slack.com/"] },
            Mattermost = { TokenFile = "/nonexistent/controlapi/mattermost-token" },
            Teams = { SecurityToken = "not base64!" },
        };

        var failures = Failures(options);

        Assert.Contains(failures, f => f.Contains("Slack:SigningSecret and ControlApi:Chatops:Slack:SigningSecretFile are both set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Slack:ResponseUrlHosts 'https://hooks.slack.com/' is not a host name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mattermost:TokenFile", StringComparison.Ordinal) && f.Contains("cannot be read", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Teams:SecurityToken is not base64", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("s3cr3t-value", StringComparison.Ordinal) || f.Contains("not base64!", StringComparison.Ordinal));
    }

    [Fact]
    public void Users_map_to_roles_case_insensitively_and_unknown_users_follow_the_policy()
    {
        var options = new ChatopsOptions { UnknownUsers = "deny" };
        options.Users["Slack"] = new() { ["U1"] = "operator", ["U2"] = "viewer", ["U3"] = "admin" };
        var users = new ChatUserDirectory(Options.Create(options));

        Assert.Equal(ChatRole.Operator, users.RoleOf("slack", "U1"));
        Assert.Equal(ChatRole.Operator, users.RoleOf("slack", "u1"));
        Assert.Equal(ChatRole.Viewer, users.RoleOf("slack", "U2"));
        // Chat has no admin commands; an admin in chat may do what an approver may.
        Assert.Equal(ChatRole.Approver, users.RoleOf("slack", "U3"));
        Assert.Null(users.RoleOf("slack", "U4"));
        Assert.Null(users.RoleOf("teams", "U1"));
        Assert.Equal(ChatRole.Viewer, new ChatUserDirectory(Options.Create(new ChatopsOptions())).RoleOf("slack", "U4"));
    }
}
