using ControlApi.Chatops;

namespace ControlApi.Tests.Chatops;

/// <summary>What people type after the slash command, and what ControlApi understands.</summary>
public sealed class ChatCommandParserTests
{
    private static readonly string[] Clusters = ["goldentooth", "local"];

    private static ChatCommand Parse(string text) => ChatCommandParser.Parse(text, Clusters);

    public static TheoryData<string, ChatCommand> Commands => new()
    {
        { "", new ChatCommand.Help() },
        { "   ", new ChatCommand.Help() },
        { "help", new ChatCommand.Help() },
        { "HELP", new ChatCommand.Help() },
        { "status", new ChatCommand.Status(null) },
        { "status goldentooth", new ChatCommand.Status("goldentooth") },
        { "status of-somewhere", new ChatCommand.Status("of-somewhere") },
        { "features local", new ChatCommand.Features("local") },
        { "history", new ChatCommand.History(null) },
        { "history on goldentooth", new ChatCommand.History("goldentooth") },
        { "enable host-firewall", new ChatCommand.Switch("host-firewall", true, null, null) },
        { "enable Host-Firewall", new ChatCommand.Switch("host-firewall", true, null, null) },
        { "enable encryption goldentooth", new ChatCommand.Switch("encryption", true, "goldentooth", null) },
        { "enable encryption on goldentooth", new ChatCommand.Switch("encryption", true, "goldentooth", null) },
        { "enable encryption goldentooth  nodes talk in the clear", new ChatCommand.Switch("encryption", true, "goldentooth", "nodes talk in the clear") },
        { "disable l7-proxy no L7 policies left", new ChatCommand.Switch("l7-proxy", false, null, "no L7 policies left") },
        { "disable hubble-ui on local because: it's exposed", new ChatCommand.Switch("hubble-ui", false, "local", "because: it's exposed") },
        { "plan bbr on", new ChatCommand.Plan("bbr", true, null) },
        { "plan encryption off goldentooth", new ChatCommand.Plan("encryption", false, "goldentooth") },
        { "plan encryption on on goldentooth", new ChatCommand.Plan("encryption", true, "goldentooth") },
        { "rollback 3", new ChatCommand.Rollback(3, null, null) },
        { "rollback #0 local flannel is back", new ChatCommand.Rollback(0, "local", "flannel is back") },
        { "teleport me", new ChatCommand.Help("teleport") },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Each_command_is_understood(string text, ChatCommand expected) => Assert.Equal(expected, Parse(text));

    [Theory]
    [InlineData("enable", "enable", "Name a feature")]
    [InlineData("enable wireguard", "enable", "not a feature")]
    [InlineData("disable host-firewal", "disable", "Did you mean `host-firewall`?")]
    [InlineData("plan encryption", "plan", "`on` or `off`")]
    [InlineData("plan encryption maybe", "plan", "`on` or `off`")]
    [InlineData("plan encryption on local extra", "plan", "Too many words")]
    [InlineData("status local extra", "status", "Too many words")]
    [InlineData("rollback", "rollback", "revision")]
    [InlineData("rollback three", "rollback", "revision")]
    [InlineData("rollback -1", "rollback", "revision")]
    public void Misuse_names_the_command_and_the_problem(string text, string verb, string problem)
    {
        var invalid = Assert.IsType<ChatCommand.Invalid>(Parse(text));
        Assert.Equal(verb, invalid.Command);
        Assert.Contains(problem, invalid.Problem);
    }

    [Theory]
    [InlineData("enable encryption goldentoth")]
    [InlineData("enable encryption on goldentoth")]
    [InlineData("disable bgp lcal")]
    [InlineData("rollback 2 goldentooht")]
    public void A_misspelt_cluster_is_refused_rather_than_read_as_the_reason(string text)
    {
        // Otherwise the typo would become the reason and the change would go to the default cluster.
        var invalid = Assert.IsType<ChatCommand.Invalid>(Parse(text));
        Assert.Contains("looks like the cluster", invalid.Problem);
    }

    [Fact]
    public void Changes_need_an_operator_and_reads_a_viewer()
    {
        Assert.Equal(ChatRole.Operator, Parse("enable bgp").RequiredRole);
        Assert.Equal(ChatRole.Operator, Parse("disable bgp").RequiredRole);
        Assert.Equal(ChatRole.Operator, Parse("rollback 1").RequiredRole);
        foreach (var read in new[] { "status", "features", "history", "plan bgp on", "help", "nonsense" })
            Assert.Equal(ChatRole.Viewer, Parse(read).RequiredRole);
    }
}
