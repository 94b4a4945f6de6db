using System.Text.Json.Nodes;
using CsCheck;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>Same settings → byte-identical files, whatever order the JSON came in (SPEC §3).</summary>
public sealed class DeterminismTests
{
    [Fact]
    public void Rendering_the_same_settings_twice_gives_the_same_bytes()
    {
        Gen.Select(SettingsGenerators.Clusters, SettingsGenerators.ValidSettings).Sample((cluster, settings) =>
        {
            var first = ManifestRenderer.Render(cluster, settings);
            var second = ManifestRenderer.Render(cluster with { }, SettingsJson.Parse(SettingsJson.Serialize(settings)).Settings!);
            Assert.Equal(first.Files, second.Files);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Reordering_the_members_of_the_settings_json_gives_the_same_bytes()
    {
        Gen.Select(SettingsGenerators.ValidSettings, Gen.Int).Sample((settings, seed) =>
        {
            var canonical = SettingsJson.Serialize(settings);
            var shuffled = Shuffle(JsonNode.Parse(canonical)!, new Random(seed)).ToJsonString();
            var reparsed = SettingsJson.Parse(shuffled).Settings!;
            var cluster = SeedClusterTests.SeedCluster;
            Assert.Equal(ManifestRenderer.Render(cluster, settings).Files, ManifestRenderer.Render(cluster, reparsed).Files);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Files_use_newline_line_ends_end_with_one_newline_and_carry_no_time_or_revision()
    {
        Gen.Select(SettingsGenerators.Clusters, SettingsGenerators.ValidSettings).Sample((cluster, settings) =>
        {
            foreach (var file in ManifestRenderer.Render(cluster, settings).Files)
            {
                Assert.DoesNotContain('\r', file.Content);
                Assert.DoesNotContain('\t', file.Content);
                Assert.EndsWith("\n", file.Content, StringComparison.Ordinal);
                Assert.False(file.Content.EndsWith("\n\n", StringComparison.Ordinal), $"{file.Path} ends with a blank line");
                Assert.DoesNotContain(file.Content.Split('\n'), line => line.EndsWith(' '));
                Assert.StartsWith(ManifestRenderer.Header, file.Content, StringComparison.Ordinal);
                Assert.Equal(1, CountOccurrences(file.Content, "# ")); // the constant header is the only comment
                Assert.DoesNotContain("...", file.Content.Split('\n'));
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Kubernetes_objects_start_with_apiVersion_kind_metadata_spec_and_values_are_sorted()
    {
        var rendered = ManifestRenderer.Render(SeedClusterTests.SeedCluster, SeedClusterTests.SeedSettings with
        {
            Bgp = new BgpSettings { Enabled = true, LocalAsn = 64512, Peers = [new BgpPeer { Name = "router", Address = "10.4.0.1", PeerAsn = 64513 }] },
        });
        foreach (var file in rendered.Files.Where(f => f.Path.StartsWith("gitops/", StringComparison.Ordinal) && !f.Path.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
            foreach (var document in YamlJson.ParseDocuments(file.Content))
                Assert.Equal(["apiVersion", "kind", "metadata", "spec"], document!.AsObject().Select(p => p.Key).Take(4));

        var values = YamlJson.ParseSingle(rendered.Find("gitops/infrastructure/cilium/release.yaml")!.Content)["spec"]!["values"]!;
        AssertSortedRecursively(values);
    }

    private static void AssertSortedRecursively(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            var keys = obj.Select(p => p.Key).ToArray();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            foreach (var (_, child) in obj) AssertSortedRecursively(child);
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array) AssertSortedRecursively(child);
        }
    }

    private static int CountOccurrences(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static JsonNode Shuffle(JsonNode node, Random random) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(_ => random.Next())
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Shuffle(p.Value, random)))),
        JsonArray array => new JsonArray(array.Select(i => i is null ? null : Shuffle(i, random)).ToArray()),
        _ => node.DeepClone(),
    };
}
