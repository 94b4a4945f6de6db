using ControlApi.Tests.Shared;
using ControlApi.Tests.Tracking.Support;
using YamlDotNet.Core;

namespace ControlApi.Tests.Deploy;

/// <summary>
/// deploy/base/rbac.yaml against the calls the code really makes: a change is followed to Verified
/// a poll, a repair, a canary and its promotion run against the test API server, which records every request as the RBAC verb and
/// resource it needs. Every call must be allowed, and every rule must be used — so a new call
/// without a rule, or a rule nothing needs, fails here.
/// </summary>
public sealed class RbacCoverageTests
{
    [Fact]
    public async Task The_RBAC_allows_exactly_the_calls_ControlApi_makes()
    {
        var rules = RbacRules.Load(RepositoryRoot.PathOf("deploy", "base", "rbac.yaml"));
        await using var cluster = await TrackedCluster.StartAsync();
        cluster.Server.Requests.Reset();

        await cluster.PutSettingsAsync(SeedSettings.Json);
        await cluster.WaitForStateAsync(1, "Verified", TimeSpan.FromSeconds(90));
        await cluster.PollNowAsync();
        // A repair (the forced re-apply patches the HelmRelease's annotations), followed to its end.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await cluster.Client.PostAsync("/api/v1/clusters/local/repair", null)).StatusCode);
        await cluster.WaitForAuditAsync(ControlApi.Audit.AuditKinds.RepairCompleted, timeout: TimeSpan.FromSeconds(60));
        // A canary (nodes listed, the canary nodes' agent pods deleted) and its promotion.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await Canary.CanaryRolloutTests.PatchAsCanaryAsync(cluster.Client, Canary.CanaryRolloutTests.Geneve)).StatusCode);
        await cluster.WaitForStateAsync(2, "CanaryVerified", TimeSpan.FromSeconds(90));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await cluster.Client.PostAsync("/api/v1/clusters/local/revisions/2/promote", null)).StatusCode);
        await cluster.WaitForStateAsync(2, "Verified", TimeSpan.FromSeconds(90));

        var calls = cluster.Server.Requests.Snapshot().Keys
            .Where(k => k.Resource != "version") // discovery, allowed to every authenticated user
            .Select(k => RbacRules.Split(k.Verb, k.Resource))
            .Distinct()
            .ToList();
        Assert.NotEmpty(calls);

        var denied = calls.Where(c => !rules.Any(r => r.Allows(c))).Select(c => c.ToString()).ToList();
        Assert.True(denied.Count == 0, "deploy/base/rbac.yaml denies: " + string.Join(", ", denied));

        var unused = rules.SelectMany(r => r.Grants())
            .Where(g => !calls.Contains(g) && !RbacRules.NeededOutsideTheTestServer(g))
            .Select(g => g.ToString()).Distinct().ToList();
        Assert.True(unused.Count == 0, "deploy/base/rbac.yaml grants what no call needs: " + string.Join(", ", unused));
    }
}

/// <summary>An RBAC request: verb, API group and resource (with subresource).</summary>
public readonly record struct RbacCall(string Verb, string Group, string Resource)
{
    public override string ToString() => $"{Verb} {Resource}{(Group.Length > 0 ? "." + Group : "")}";
}

public sealed record RbacRule(IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs)
{
    public bool Allows(RbacCall call) => Groups.Contains(call.Group) && Resources.Contains(call.Resource) && Verbs.Contains(call.Verb);

    public IEnumerable<RbacCall> Grants() =>
        from g in Groups from r in Resources from v in Verbs select new RbacCall(v, g, r);
}

public static class RbacRules
{
    public static IReadOnlyList<RbacRule> Load(string path)
    {
        var rules = new List<RbacRule>();
        var deserializer = new YamlDotNet.Serialization.DeserializerBuilder().Build();
        using var reader = new StringReader(File.ReadAllText(path));
        var parser = new YamlDotNet.Core.Parser(reader);
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            var document = deserializer.Deserialize<Dictionary<string, object>>(parser);
            if (document is null || !document.TryGetValue("rules", out var list)) continue;
            foreach (Dictionary<object, object> rule in (List<object>)list)
            {
                rules.Add(new RbacRule(Strings(rule, "apiGroups"), Strings(rule, "resources"), Strings(rule, "verbs")));
            }
        }
        return rules;
    }

    /// <summary>The test server names resources <c>plural[.group][/subresource]</c>.</summary>
    public static RbacCall Split(string verb, string qualified)
    {
        var slash = qualified.IndexOf('/');
        var name = slash < 0 ? qualified : qualified[..slash];
        var sub = slash < 0 ? "" : qualified[slash..];
        var dot = name.IndexOf('.');
        return dot < 0 ? new RbacCall(verb, "", name + sub) : new RbacCall(verb, name[(dot + 1)..], name[..dot] + sub);
    }

    /// <summary>
    /// WebSocket exec is an HTTP GET: API servers before 1.31 authorize it as <c>get pods/exec</c>,
    /// later ones as <c>create</c> (KEP-4006). The test server speaks the newer rule; real clusters need both.
    /// </summary>
    public static bool NeededOutsideTheTestServer(RbacCall grant) => grant is { Verb: "get", Resource: "pods/exec" };

    private static List<string> Strings(Dictionary<object, object> rule, string key) =>
        rule.TryGetValue(key, out var value) ? ((List<object>)value).Select(v => v?.ToString() ?? "").ToList() : [];
}
