using System.Text.Json.Nodes;
using CsCheck;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>
/// No string that reaches YAML can add structure. Validation refuses such strings, but the
/// renderer must be safe on its own: every string field is rendered with hostile text and the
/// parsed files must have exactly the structure they have with a harmless value, the hostile text
/// coming back verbatim where the harmless one was.
/// </summary>
public sealed class InjectionTests
{
    private const string Harmless = "harmless-value";

    public static readonly string[] Fields = ["hostname", "peerName", "peerAddress", "ipsecKeySecret", "ipv4NativeRoutingCidr", "chartVersion"];

    public static readonly string[] Payloads =
    [
        "x\nevil: true",
        "x\n  nested: injected",
        "x\r\nevil: true",
        "a: b",
        "- item",
        "x\n---\napiVersion: v1\nkind: Secret",
        "x #comment",
        "\"quoted\" and 'single'",
        "{ evil: true }",
        "[a, b]",
        "&anchor value",
        "*alias",
        "!!binary aGVsbG8=",
        "|\n  block",
        "> folded",
        "@at `tick` %percent",
        "true",
        "yes",
        "null",
        "~",
        "1.18",
        "0x1F",
        "64512",
        "",
        " leading and trailing ",
        "tab\there",
        "line\u2028separator\u2029paragraph\u0085next",
        "bom\ufeffinside",
        "nul\0char\u0007bell\u001bescape",
        "emoji 🚀 and ünïcödé",
        "back\\slash\\n not a newline",
        "...",
        "? complex key",
        "$patch: delete",
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var field in Fields)
            foreach (var payload in Payloads) data.Add(field, payload);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_hostile_string_comes_back_verbatim_and_adds_no_structure(string field, string payload) =>
        AssertNoInjection(field, payload);

    [Fact]
    public void Arbitrary_text_in_any_string_field_adds_no_structure()
    {
        var hostileChar = Gen.Frequency(
            (4, Gen.Char[' ', '~']),
            (2, Gen.Char[":#-?|>&*!%@`'\"{}[],\\\n\r\t "]),
            (1, Gen.Char['\0', '\u001f']),
            (1, Gen.Char["\u0085\u00a0\u2028\u2029\ufeff\u00e9\u4e2d"]));
        Gen.Select(Gen.OneOf(Fields), hostileChar.Array[0, 40].Select(c => new string(c)))
            .Sample((field, text) => AssertNoInjection(field, text), iter: 300, threads: 1);
    }

    private static void AssertNoInjection(string field, string payload)
    {
        var cluster = new ClusterProfile { Id = "injection" };
        var expected = Parse(ManifestRenderer.Render(cluster, SettingsWith(field, Harmless)));
        ReplaceStrings(expected, Harmless, payload);
        var actual = Parse(ManifestRenderer.Render(cluster, SettingsWith(field, payload)));

        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var path in expected.Keys)
            Assert.True(JsonNode.DeepEquals(expected[path], actual[path]),
                $"{field} = {System.Text.Json.JsonSerializer.Serialize(payload)} changed {path}:\nexpected {expected[path]!.ToJsonString()}\nactual   {actual[path]!.ToJsonString()}");
    }

    private static SortedDictionary<string, JsonArray> Parse(RenderedManifests rendered) =>
        new(rendered.Files.ToDictionary(f => f.Path, f => new JsonArray(YamlJson.ParseDocuments(f.Content).Select(d => d?.DeepClone()).ToArray())), StringComparer.Ordinal);

    /// <summary>Settings with every string field set, and <paramref name="field"/> set to <paramref name="value"/>.</summary>
    private static CiliumSettings SettingsWith(string field, string value) => new()
    {
        ChartVersion = field == "chartVersion" ? value : "1.18.2",
        Encryption = new EncryptionSettings { Enabled = true, Type = EncryptionType.Ipsec, IpsecKeySecret = field == "ipsecKeySecret" ? value : "cilium-ipsec-keys" },
        Bgp = new BgpSettings
        {
            Enabled = true,
            LocalAsn = 64512,
            Peers = [new BgpPeer { Name = field == "peerName" ? value : "router", Address = field == "peerAddress" ? value : "10.4.0.1", PeerAsn = 64513 }],
        },
        Hubble = new HubbleSettings
        {
            Enabled = true,
            Relay = true,
            Ui = new HubbleUiSettings { Enabled = true, ServiceType = ServiceType.LoadBalancer, Hostname = field == "hostname" ? value : "hubble.example.net" },
        },
        Routing = new RoutingSettings { Mode = RoutingMode.Native, Ipv4NativeRoutingCidr = field == "ipv4NativeRoutingCidr" ? value : "10.244.0.0/16" },
        Bpf = new BpfSettings { Masquerade = true },
    };

    private static void ReplaceStrings(IDictionary<string, JsonArray> files, string from, string to)
    {
        foreach (var documents in files.Values) Replace(documents);

        void Replace(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var key in obj.Select(p => p.Key).ToArray())
                    {
                        if (obj[key] is JsonValue v && v.TryGetValue<string>(out var s) && s == from) obj[key] = to;
                        else Replace(obj[key]);
                    }
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && s == from) array[i] = to;
                        else Replace(array[i]);
                    }
                    break;
            }
        }
    }
}
