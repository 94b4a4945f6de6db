using System.Text.Json.Nodes;

namespace ControlApi.Cli.Tests;

/// <summary>Durations as the API writes them, and YAML that reads back as the same data.</summary>
public sealed class FormattingTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1m30s", 90)]
    [InlineData("90s", 90)]
    [InlineData("1h", 3600)]
    public void Durations_are_read_like_the_API_writes_them(string text, int seconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("soon")]
    [InlineData("30")]
    [InlineData("1s30m")]
    public void Anything_else_is_not_a_duration(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Timeouts_sent_to_the_API_round_up_to_whole_seconds() =>
        Assert.Equal(["1s", "5s", "1m", "1m30s"], new[] { 0.2, 5, 60, 89.5 }.Select(s => Duration.Format(TimeSpan.FromSeconds(s))));

    [Fact]
    public void Yaml_quotes_what_yaml_would_read_as_another_type_and_keeps_diffs_as_blocks()
    {
        var node = JsonNode.Parse("""
            {"cluster":"local","on":"yes","version":"1.18","empty":[],"peers":[{"asn":65001,"address":"10.0.0.1"}],
             "diff":"--- a\n+++ b\n","note":null}
            """);

        var yaml = Renderer.Yaml(node);

        Assert.Equal("""
            cluster: local
            "on": "yes"
            version: "1.18"
            empty: []
            peers:
            - asn: 65001
              address: 10.0.0.1
            diff: |-
              --- a
              +++ b
            note: null

            """.ReplaceLineEndings("\n"), yaml);
    }
}
