using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

public sealed class YamlWriterTests
{
    [Theory]
    [InlineData("cilium", true)]
    [InlineData("kube-system", true)]
    [InlineData("external-dns.alpha.kubernetes.io/hostname", true)]
    [InlineData("$patch", true)]
    [InlineData("NET_BIND_SERVICE", true)]
    [InlineData("1.18.2", false)]
    [InlineData("1.18", false)]
    [InlineData("7445", false)]
    [InlineData("true", false)]
    [InlineData("True", false)]
    [InlineData("yes", false)]
    [InlineData("on", false)]
    [InlineData("Off", false)]
    [InlineData("y", false)]
    [InlineData("null", false)]
    [InlineData("https://helm.cilium.io/", false)]
    [InlineData("/sys/fs/cgroup", false)]
    [InlineData("10.0.0.0/8", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    [InlineData("-leading-dash", false)]
    [InlineData(".hidden", false)]
    public void Only_text_that_reads_back_as_the_same_string_everywhere_is_written_unquoted(string text, bool plain) =>
        Assert.Equal(plain, YamlWriter.CanBePlain(text));

    [Fact]
    public void Strings_stay_strings_and_typed_scalars_stay_typed()
    {
        var yaml = YamlWriter.Write(new YamlMap()
            .Add("version", "1.18")
            .Add("kubeProxyReplacement", "true")
            .Add("enabled", true)
            .Add("port", 7445)
            .Add("asn", 4294967295L)
            .Add("empty", new YamlList([])));

        Assert.Equal("""
            version: "1.18"
            kubeProxyReplacement: "true"
            enabled: true
            port: 7445
            asn: 4294967295
            empty: []

            """.Replace("\r\n", "\n"), yaml);
        var parsed = YamlJson.ParseSingle(yaml);
        Assert.Equal("1.18", parsed["version"]!.GetValue<string>());
        Assert.Equal("true", parsed["kubeProxyReplacement"]!.GetValue<string>());
        Assert.True(parsed["enabled"]!.GetValue<bool>());
        Assert.Equal(7445, parsed["port"]!.GetValue<long>());
    }

    [Fact]
    public void Documents_after_the_first_are_separated_by_three_dashes_and_none_end_with_dots()
    {
        var yaml = YamlWriter.Write(new YamlMap().Add("a", 1), new YamlMap().Add("b", 2));
        Assert.Equal("a: 1\n---\nb: 2\n", yaml);
    }

    [Fact]
    public void Long_strings_are_never_folded_onto_several_lines()
    {
        var longText = string.Join(' ', Enumerable.Repeat("word", 100));
        var yaml = YamlWriter.Write(new YamlMap().Add("text", longText));
        Assert.Equal(2, yaml.Split('\n').Length);
        Assert.Equal(longText, YamlJson.ParseSingle(yaml)["text"]!.GetValue<string>());
    }

    [Fact]
    public void Text_that_is_not_valid_UTF16_is_refused_not_written()
    {
        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => YamlWriter.Write(new YamlMap().Add("text", "a\ud800b")));
    }

    [Fact]
    public void A_key_added_twice_is_a_builder_bug()
    {
        Assert.Throws<InvalidOperationException>(() => new YamlMap().Add("a", 1).Add("a", 2));
    }

    [Fact]
    public void Sorting_orders_keys_ordinally_at_every_level_and_keeps_list_order()
    {
        var sorted = new YamlMap()
            .Add("b", new YamlMap().Add("z", 1).Add("a", 2))
            .Add("a", YamlList.Strings(["z", "a"]))
            .SortedRecursively();
        Assert.Equal("a:\n  - z\n  - a\nb:\n  a: 2\n  z: 1\n", YamlWriter.Write(sorted));
    }

    [Theory]
    [InlineData(60, "1h")]
    [InlineData(30, "30m")]
    [InlineData(90, "1h30m")]
    [InlineData(1, "1m")]
    [InlineData(2880, "48h")]
    public void Flux_intervals_are_Go_durations(int minutes, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMinutes(minutes)));

    [Fact]
    public void Seconds_and_milliseconds_are_kept_and_non_positive_intervals_refused()
    {
        Assert.Equal("1m30s500ms", GoDuration.Format(TimeSpan.FromMilliseconds(90_500)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GoDuration.Format(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => GoDuration.Format(TimeSpan.FromTicks(1)));
    }
}
