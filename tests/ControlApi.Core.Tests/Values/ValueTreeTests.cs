using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;

namespace ControlApi.Core.Tests.Values;

public sealed class ValueTreeTests
{
    [Fact]
    public void Yaml_is_read_with_the_core_schema_quoted_scalars_stay_strings_and_aliases_expand()
    {
        var document = (YamlMap)YamlReader.ReadDocuments("""
            a: true
            b: "true"
            c: 7445
            d: 0.5
            e: ~
            f: yes
            g: &caps [NET_ADMIN, SYS_ADMIN]
            h: *caps
            i: |
              two
              lines
            """)[0];

        Assert.Equal(ScalarKind.Boolean, ((YamlScalar)document["a"]!).Kind);
        Assert.Equal(ScalarKind.String, ((YamlScalar)document["b"]!).Kind);
        Assert.Equal(ScalarKind.Integer, ((YamlScalar)document["c"]!).Kind);
        Assert.Equal(ScalarKind.Float, ((YamlScalar)document["d"]!).Kind);
        Assert.Equal(ScalarKind.Null, ((YamlScalar)document["e"]!).Kind);
        Assert.Equal(ScalarKind.String, ((YamlScalar)document["f"]!).Kind); // YAML 1.2: "yes" is a string
        Assert.True(ValueTree.SameValue(document["g"], document["h"]));
        Assert.Equal("two\nlines", ((YamlScalar)document["i"]!).Text);
    }

    [Theory]
    [InlineData("a: 1\na: 2\n", "twice")]
    [InlineData("base: &b {x: 1}\nother:\n  <<: *b\n", "Merge keys")]
    [InlineData("a: *nowhere\n", "no anchor")]
    [InlineData("a: [\n", "line")]
    public void Yaml_that_readers_disagree_on_or_that_is_broken_is_refused_with_a_reason(string yaml, string reason)
    {
        var error = Assert.Throws<YamlReader.YamlReadException>(() => YamlReader.ReadDocuments(yaml));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Json_and_yaml_values_convert_both_ways_without_losing_types()
    {
        var json = JsonDocument.Parse("""{"replicas":2,"ratio":0.25,"on":true,"name":"x","none":null,"list":[1,"a"],"empty":{}}""").RootElement;

        var back = ValueTree.ToJson(ValueTree.FromJson(json));

        Assert.True(JsonElement.DeepEquals(json, back));
    }

    [Fact]
    public void Paths_escape_dots_inside_keys_the_way_helm_set_does()
    {
        var path = ValuePath.Join(["hubble", "ui", "service", "annotations", "external-dns.alpha.kubernetes.io/hostname"]);

        Assert.Equal("hubble.ui.service.annotations.external-dns\\.alpha\\.kubernetes\\.io/hostname", path);
        Assert.Equal(["hubble", "ui", "service", "annotations", "external-dns.alpha.kubernetes.io/hostname"], ValuePath.Split(path));
        Assert.Equal("/extraValues/a~1b/c", ValuePath.ToPointer("/extraValues", ["a/b", "c"]));
    }

    [Fact]
    public void Merging_lays_values_over_defaults_key_by_key_and_replaces_lists_whole()
    {
        var defaults = (YamlMap)YamlReader.ReadDocuments("operator:\n  replicas: 2\n  image: op\ntolerations: [a, b]\n")[0];
        var values = (YamlMap)YamlReader.ReadDocuments("operator:\n  replicas: 1\ntolerations: [c]\n")[0];

        var leaves = ValueTree.Leaves(ValueTree.Merge(defaults, values));

        Assert.Equal("1", ((YamlScalar)leaves["operator.replicas"]).Text);
        Assert.Equal("op", ((YamlScalar)leaves["operator.image"]).Text);
        Assert.Single(((YamlList)leaves["tolerations"]).Items);
    }

    [Fact]
    public void A_change_lists_each_rendered_value_it_alters_and_nothing_else()
    {
        var cluster = new ClusterProfile { Id = "goldentooth" };
        var before = ValueChanges.Files(ManifestRenderer.Render(cluster, CiliumSettings.Defaults));
        var after = ValueChanges.Files(ManifestRenderer.Render(cluster, CiliumSettings.Defaults with { HostFirewall = new HostFirewallSettings { Enabled = true } }));

        var change = Assert.Single(ValueChanges.Between(cluster, before, after));

        Assert.Equal((ValueScopes.HelmValues, "hostFirewall.enabled"), (change.Scope, change.Path));
        Assert.Equal("hostFirewall.enabled: false → true", change.ToString());
    }

    [Fact]
    public void Formatting_key_order_and_comments_are_no_change()
    {
        var cluster = new ClusterProfile { Id = "goldentooth" };
        var rendered = ValueChanges.Files(ManifestRenderer.Render(cluster, CiliumSettings.Defaults));
        var release = ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile);
        var reformatted = new Dictionary<string, string?>(rendered)
        {
            [release] = "# by hand\n" + YamlWriter.Write((YamlMap)ReverseKeys(YamlReader.ReadDocuments(rendered[release]!)[0])),
        };

        Assert.Empty(ValueChanges.Between(cluster, rendered, reformatted));
    }

    private static YamlValue ReverseKeys(YamlValue value) => value switch
    {
        YamlMap map => map.Entries.Reverse().Aggregate(new YamlMap(), (m, e) => m.Add(e.Key, ReverseKeys(e.Value))),
        _ => value,
    };
}
