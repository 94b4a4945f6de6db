using ControlApi.Core.Canary;

namespace ControlApi.Core.Tests.Canary;

/// <summary>The canary's node selector reads the text form kubectl -l takes and matches labels as Kubernetes does.</summary>
public sealed class NodeSelectorTests
{
    private static readonly Dictionary<string, string> Node01 = new() { ["kubernetes.io/hostname"] = "node-01", ["role"] = "canary", ["node-role.kubernetes.io/control-plane"] = "" };
    private static readonly Dictionary<string, string> Node05 = new() { ["kubernetes.io/hostname"] = "node-05" };

    public static TheoryData<string, bool, bool> Matches => new()
    {
        { "role=canary", true, false },
        { "role==canary", true, false },
        { "role!=canary", false, true },
        { "kubernetes.io/hostname in (node-05, node-06)", false, true },
        { "kubernetes.io/hostname notin (node-05,node-06)", true, false },
        { "node-role.kubernetes.io/control-plane", true, false },
        { "!node-role.kubernetes.io/control-plane", false, true },
        { "kubernetes.io/hostname in (node-01,node-05),!role", false, true },
    };

    [Theory]
    [MemberData(nameof(Matches))]
    public void A_selector_matches_the_nodes_Kubernetes_would_select(string text, bool node01, bool node05)
    {
        var (selector, error) = NodeSelector.Parse(text);

        Assert.Null(error);
        Assert.Equal(node01, selector!.Matches(Node01));
        Assert.Equal(node05, selector.Matches(Node05));
        // The canonical text reads back as the same selector.
        Assert.Equal(selector, NodeSelector.Parse(selector.ToString()).Selector);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("role=canary,", "empty requirement")]
    [InlineData("role in ()", "empty value")]
    [InlineData("role in (a,,b)", "empty value")]
    [InlineData("role = can ary", "not a requirement")]
    [InlineData("Example.COM/role=x", "invalid prefix")]
    [InlineData("-role=x", "not a valid label name")]
    [InlineData("role=-x", "label value")]
    [InlineData("role > 3", "not a requirement")]
    public void A_selector_that_is_not_one_is_refused_saying_which_form_works(string text, string said)
    {
        var (selector, error) = NodeSelector.Parse(text);

        Assert.Null(selector);
        Assert.Contains(said, error);
    }

    [Fact]
    public void The_rendered_LabelSelector_uses_matchExpressions_with_the_operators_the_CRD_names()
    {
        var selector = NodeSelector.Parse("kubernetes.io/hostname in (node-02,node-01),tier!=db,gpu,!spot").Selector!;

        var parsed = Rendering.Support.YamlJson.ParseSingle(Core.Rendering.Yaml.YamlWriter.Write(selector.ToLabelSelector()));

        var expressions = parsed["matchExpressions"]!.AsArray();
        Assert.Equal(["In", "NotIn", "Exists", "DoesNotExist"], expressions.Select(e => e!["operator"]!.GetValue<string>()));
        Assert.Equal(["node-01", "node-02"], expressions[0]!["values"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(["db"], expressions[1]!["values"]!.AsArray().Select(v => v!.GetValue<string>()));
        // Exists and DoesNotExist carry no values (the CRD: "the values array must be empty").
        Assert.Null(expressions[2]!["values"]);
        Assert.Null(expressions[3]!["values"]);
    }
}
