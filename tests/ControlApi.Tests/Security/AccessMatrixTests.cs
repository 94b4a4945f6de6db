using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ControlApi.Security;
using ControlApi.Tests.Support;
using static ControlApi.Tests.Security.SecurityTestKit;

namespace ControlApi.Tests.Security;

/// <summary>
/// Every operation of the OpenAPI document, read at test time, against every kind of caller. The
/// expected least role of each operation is declared once below; an operation missing from the table
/// fails the run, so a new route cannot ship without someone deciding who may call it.
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixTests.Service service) : IClassFixture<AccessMatrixTests.Service>
{
    private static readonly Role? Public = null;

    /// <summary>The least role each operation (by operation id) needs; <see cref="Public"/> for none.</summary>
    private static readonly Dictionary<string, Role?> LeastRole = new()
    {
        ["Healthz"] = Public,
        ["Readyz"] = Public,
        ["ListClusters"] = Role.Viewer,
        ["GetCluster"] = Role.Viewer,
        ["GetCiliumSettings"] = Role.Viewer,
        ["GetCiliumManifests"] = Role.Viewer,
        ["PutCiliumSettings"] = Role.Operator,
        ["PatchCiliumSettings"] = Role.Operator,
        ["PlanCiliumSettings"] = Role.Operator,
        ["ListFeatures"] = Role.Viewer,
        ["SwitchFeature"] = Role.Operator,
        ["ListRevisions"] = Role.Viewer,
        ["GetRevision"] = Role.Viewer,
        ["GetClusterStatus"] = Role.Viewer,
        ["ReconcileCluster"] = Role.Operator,
        ["RepairCluster"] = Role.Operator,
        ["RetrackRevision"] = Role.Operator,
        ["GetClusterHolds"] = Role.Viewer,
        ["FreezeCluster"] = Role.Admin,
        ["UnfreezeCluster"] = Role.Admin,
        ["LockCluster"] = Role.Operator,
        ["UnlockCluster"] = Role.Operator,
        ["GetClusterPolicy"] = Role.Viewer,
        ["PutClusterPolicy"] = Role.Admin,
        ["PromoteCanary"] = Role.Operator,
        ["CreateApiKey"] = Role.Admin,
        ["ListApiKeys"] = Role.Admin,
        ["RevokeApiKey"] = Role.Admin,
        ["RollbackRevision"] = Role.Operator,
        // Operators reach these; who may decide (approver, or operator by policy; never the author) is the service's answer.
        ["ApproveRevision"] = Role.Operator,
        ["RejectRevision"] = Role.Operator,
        ["AdoptCluster"] = Role.Operator,
        ["ListAuditEvents"] = Role.Viewer,
        ["ExportAuditEvents"] = Role.Viewer,
        ["VerifyAuditChain"] = Role.Viewer,
        ["StreamAuditEvents"] = Role.Viewer,
        ["DiffRevision"] = Role.Viewer,
        // A webhook receives every matching event: only admins subscribe, look or change.
        ["ListWebhooks"] = Role.Admin,
        ["CreateWebhook"] = Role.Admin,
        ["GetWebhook"] = Role.Admin,
        ["ReplaceWebhook"] = Role.Admin,
        ["DeleteWebhook"] = Role.Admin,
        ["ListWebhookDeliveries"] = Role.Admin,
        // Chat platforms send no key: these authenticate each request by the platform's signature or token.
        ["SlackSlashCommand"] = Public,
        ["SlackInteraction"] = Public,
        ["MattermostCommand"] = Public,
        ["TeamsOutgoingWebhook"] = Public,
    };

    public enum Caller { NoKey, MalformedKey, UnknownKey, RevokedKey, Viewer, Operator, Approver, Admin }

    public static TheoryData<Caller> Callers => [.. Enum.GetValues<Caller>()];

    [Fact]
    public async Task Every_operation_in_the_document_has_a_declared_role_and_every_declared_role_an_operation()
    {
        var operations = await service.OperationsAsync();

        var undeclared = operations.Where(o => !LeastRole.ContainsKey(o.Id)).Select(o => $"{o.Method} {o.Path} ({o.Id})").ToList();
        var stale = LeastRole.Keys.Except(operations.Select(o => o.Id)).ToList();

        Assert.True(undeclared.Count == 0, "Declare the least role of: " + string.Join(", ", undeclared));
        Assert.True(stale.Count == 0, "No longer in the document: " + string.Join(", ", stale));
    }

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Every_operation_answers_each_caller_as_its_role_allows(Caller caller)
    {
        var mismatches = new List<string>();
        foreach (var operation in await service.OperationsAsync())
        {
            if (!LeastRole.TryGetValue(operation.Id, out var least)) continue; // reported by the test above
            // Headers only: the event stream's body never ends; disposing the response closes it.
            using var response = await service.Client.SendAsync(service.Request(operation, caller), HttpCompletionOption.ResponseHeadersRead);
            var status = (int)response.StatusCode;
            var expected = Expectation(least, caller);
            var ok = expected == Allowed ? status is not (401 or 403 or 429) && status < 500 : status == expected;
            if (!ok) mismatches.Add($"{operation.Method} {operation.Path} as {caller}: expected {(expected == Allowed ? "allowed" : expected)}, got {status}");
            if (status == 401) Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            if (status is 401 or 403) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private const int Allowed = 0;

    private static int Expectation(Role? least, Caller caller)
    {
        if (least is not { } needed) return Allowed;
        Role? held = caller switch
        {
            Caller.Viewer => Role.Viewer,
            Caller.Operator => Role.Operator,
            Caller.Approver => Role.Approver,
            Caller.Admin => Role.Admin,
            _ => null,
        };
        if (held is null) return 401;
        return held.Value.Includes(needed) ? Allowed : 403;
    }

    public sealed record Operation(string Id, string Method, string Path);

    /// <summary>One service for the whole matrix, with a key of each kind and a revision to point at.</summary>
    public sealed class Service : IAsyncLifetime
    {
        private readonly ControlApiFactory _factory = new(new Dictionary<string, string?>
        {
            // The matrix sends dozens of bad keys from one address on purpose; lockout is tested elsewhere.
            ["ControlApi:Security:FailedAuthentication:PerAddress"] = "1000000",
        });

        private Dictionary<Caller, string?> _authorization = [];
        private string _victimKeyId = "";

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Client = _factory.CreateClient();
            var revoked = await _factory.CreateKeyAsync("matrix-revoked", Role.Admin);
            var victim = await _factory.CreateKeyAsync("matrix-victim", Role.Viewer);
            _victimKeyId = victim.Split('_')[1];
            using var admin = _factory.CreateClient(Role.Admin);
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/apikeys/{revoked.Split('_')[1]}")).StatusCode);
            using var @operator = _factory.CreateClient(Role.Operator);
            Assert.Equal(HttpStatusCode.Accepted, (await @operator.PutAsync("/api/v1/clusters/local/cilium", HttpJson.Json("""{"hostFirewall":{"enabled":true}}"""))).StatusCode);

            _authorization = new Dictionary<Caller, string?>
            {
                [Caller.NoKey] = null,
                [Caller.MalformedKey] = "Bearer this is not a key",
                [Caller.UnknownKey] = Bearer(ApiKeyTokens.Issue().Text),
                [Caller.RevokedKey] = Bearer(revoked),
                [Caller.Viewer] = Bearer(_factory.KeyFor(Role.Viewer)),
                [Caller.Operator] = Bearer(_factory.KeyFor(Role.Operator)),
                [Caller.Approver] = Bearer(_factory.KeyFor(Role.Approver)),
                [Caller.Admin] = Bearer(_factory.KeyFor(Role.Admin)),
            };
        }

        public Task DisposeAsync()
        {
            Client.Dispose();
            _factory.Dispose();
            return Task.CompletedTask;
        }

        public async Task<IReadOnlyList<Operation>> OperationsAsync()
        {
            var document = await (await Client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
            return document["paths"]!.AsObject()
                .SelectMany(path => path.Value!.AsObject()
                    .Where(method => method.Value is JsonObject operation && operation.ContainsKey("responses"))
                    .Select(method => new Operation(
                        (string?)method.Value!["operationId"] ?? $"(no operationId: {method.Key.ToUpperInvariant()} {path.Key})",
                        method.Key.ToUpperInvariant(), path.Key)))
                .ToList();
        }

        /// <summary>The operation's path with existing values for its parameters, and a small body where it takes one.</summary>
        public HttpRequestMessage Request(Operation operation, Caller caller)
        {
            var url = System.Text.RegularExpressions.Regex.Replace(operation.Path, @"\{(\w+)\}", match => match.Groups[1].Value switch
            {
                "cluster" => "local",
                "number" => "1",
                "feature" => "hubble",
                "id" => _victimKeyId,
                "webhookId" => "1",
                var other => throw new InvalidOperationException($"No test value for path parameter '{other}' in {operation.Path}; add one."),
            });
            var request = new HttpRequestMessage(new HttpMethod(operation.Method), url);
            if (operation.Method is "PUT" or "POST" or "PATCH")
                request.Content = new StringContent("{}", Encoding.UTF8, operation.Method == "PATCH" ? "application/merge-patch+json" : "application/json");
            return With(request, _authorization[caller]);
        }
    }
}
