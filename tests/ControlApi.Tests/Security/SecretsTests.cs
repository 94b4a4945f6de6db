using System.Net;
using System.Text;
using ControlApi.Security;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static ControlApi.Tests.Security.SecurityTestKit;

namespace ControlApi.Tests.Security;

/// <summary>A whole session's log output and answers, searched for every secret it handled.</summary>
public sealed class SecretsTests : IDisposable
{
    private const string GitToken = "ghp_TestTokenThatMustNeverBeSeen0123456789";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task No_key_or_token_appears_in_logs_or_answers_after_a_first_start_and_a_busy_session()
    {
        var logs = new CapturingLoggerProvider();
        var tokenFile = _temp.Combine("git-token");
        await File.WriteAllTextAsync(tokenFile, GitToken);
        var console = new StringWriter();
        var secrets = new List<string> { GitToken };
        var answers = new StringBuilder();

        using (var service = new ControlApiFactory(new()
        {
            [SecurityOptions.AdminKeyVariable] = "",
            ["ControlApi:Clusters:0:GitOps:TokenFile"] = tokenFile,
            ["ControlApi:Security:FailedAuthentication:PerAddress"] = "5",
        }, logs: logs, services: s => s.AddSingleton(new AdminKeyConsole(console))))
        {
            using var client = service.CreateClient();
            var firstAdmin = (await File.ReadAllTextAsync(Path.Combine(service.DataDirectory, AdminKeyBootstrapper.KeyFileName))).Trim();
            secrets.Add(firstAdmin);
            await SessionAsync(client, firstAdmin, secrets, answers);
        }

        AssertNoSecretIn(logs.AllText, secrets, "the log");
        AssertNoSecretIn(answers.ToString(), secrets, "the answers");
        Assert.Contains("Created the first admin key", logs.AllText);
    }

    [Fact]
    public async Task No_key_appears_in_logs_or_answers_when_the_admin_key_comes_from_the_environment()
    {
        var logs = new CapturingLoggerProvider();
        var answers = new StringBuilder();
        var secrets = new List<string>();

        using (var service = new ControlApiFactory(new() { ["ControlApi:Security:FailedAuthentication:PerAddress"] = "5" }, logs: logs))
        {
            secrets.Add(service.AdminKey!);
            using var client = service.CreateClient();
            await SessionAsync(client, service.AdminKey!, secrets, answers);
        }

        AssertNoSecretIn(logs.AllText, secrets, "the log");
        AssertNoSecretIn(answers.ToString(), secrets, "the answers");
        Assert.Contains(SecurityOptions.AdminKeyVariable, logs.AllText);
    }

    /// <summary>Creates, uses, mistypes, revokes and brute-forces keys; every answer (body and headers) is kept.</summary>
    private static async Task SessionAsync(HttpClient client, string adminKey, List<string> secrets, StringBuilder answers)
    {
        async Task<HttpResponseMessage> Send(HttpRequestMessage request)
        {
            var response = await client.SendAsync(request);
            answers.AppendLine(await response.Content.ReadAsStringAsync()).AppendLine(response.Headers.ToString());
            return response;
        }

        // The one answer that carries a key by design; everything after it is searched.
        var created = await client.SendAsync(With(new HttpRequestMessage(HttpMethod.Post, "/api/v1/apikeys") { Content = HttpJson.Json("""{"name":"ci","role":"operator"}""") }, Bearer(adminKey)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ci = (string)(await created.ReadJsonAsync())["key"]!;
        secrets.Add(ci);
        secrets.Add(ci.Split('_', 3)[2]);

        await Send(With(new HttpRequestMessage(HttpMethod.Put, "/api/v1/clusters/local/cilium") { Content = HttpJson.Json("""{"hostFirewall":{"enabled":true}}""") }, Bearer(ci)));
        await Send(Get("/api/v1/clusters", Bearer(ci)));
        await Send(Get("/api/v1/apikeys", Bearer(adminKey)));
        await Send(Get("/api/v1/apikeys", Bearer(ci)));
        await Send(Get("/api/v1/clusters", Bearer(ci[..^1] + (ci[^1] == 'A' ? 'B' : 'A'))));
        await Send(Get("/api/v1/clusters", "Bearer " + ci + " trailing"));
        await Send(Get("/hangfire", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x:" + adminKey))));
        await Send(With(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/apikeys/{ci.Split('_')[1]}"), Bearer(adminKey)));
        await Send(Get("/api/v1/clusters", Bearer(ci)));
        // Guesses at the admin key (its id with other secrets, or other words for the bootstrap key) lock it out from that address.
        string Guess(int i) => ApiKeyTokens.TryParse(adminKey, out var id, out _)
            ? $"{ApiKeyTokens.Prefix}{id}_{ApiKeyTokens.Issue().Text.Split('_', 3)[2]}"
            : $"admin-guess-{i}";
        for (var i = 0; i < 5; i++) await Send(Get("/api/v1/clusters", Bearer(Guess(i)), "127.0.0.99"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Send(Get("/api/v1/clusters", Bearer(adminKey), "127.0.0.99"))).StatusCode);
    }

    [Fact]
    public async Task A_key_pasted_into_a_path_comes_back_in_no_answer_and_no_audit_event()
    {
        using var service = new ControlApiFactory();
        using var client = service.CreateClient();
        var key = await service.CreateKeyAsync("pasted", Role.Viewer);

        var asId = await client.SendAsync(With(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/apikeys/{key}"), Bearer(service.AdminKey!)));
        var unauthenticated = await client.GetAsync($"/api/v1/clusters/{key}");

        Assert.Equal(HttpStatusCode.NotFound, asId.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        var answers = await asId.Content.ReadAsStringAsync() + await unauthenticated.Content.ReadAsStringAsync();
        var audit = string.Join("\n", (await service.AuditEventsAsync()).Select(e => e.Summary + e.DetailsJson));
        AssertNoSecretIn(answers, [key], "the answers");
        AssertNoSecretIn(audit, [key], "the audit log");
        Assert.Contains($"cak_{key.Split('_')[1]}_(redacted)", audit);
    }

    private static void AssertNoSecretIn(string text, IEnumerable<string> secrets, string where)
    {
        Assert.NotEmpty(text);
        foreach (var secret in secrets)
            Assert.False(text.Contains(secret, StringComparison.Ordinal),
                $"A secret ({secret.Length} characters, starting {secret[..4]}) appears in {where}: " +
                string.Join(" | ", text.Split('\n').Where(l => l.Contains(secret, StringComparison.Ordinal)).Select(l => l.Replace(secret, "<SECRET>", StringComparison.Ordinal))));
    }
}
