using System.Text.Json;

namespace ControlApi.Cli.Tests;

/// <summary>The CLI against the real service: each test starts its own service and runs commands as a person would.</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly ServiceUnderTest _service = new();

    public void Dispose() => _service.Dispose();

    private Task<CliRun> Run(params string[] args) => Cli.RunAsync(_service, Cli.WithKey(_service), redirected: true, args);

    [Fact]
    public async Task Enable_waiting_for_Committed_exits_0_once_the_commit_is_in_the_bare_repository()
    {
        var run = await Run("enable", "host-firewall", "--wait=Committed", "--timeout", "1m", "--reason", "cli test");

        Assert.True(run.ExitCode == ExitCodes.Done, run.Out + run.Error);
        Assert.Contains("revision 1 accepted", run.Out);
        Assert.Contains("revision 1 is Committed", run.Out);
        var head = Git(Path.Combine(_service.DataDirectory, "gitops.git"), "log", "--all", "-1", "--format=%B");
        Assert.Contains("ControlApi-Revision: local/1", head);
    }

    [Fact]
    public async Task A_change_the_rules_refuse_exits_2_and_prints_every_error_with_its_pointer()
    {
        var run = await Run("set", """{"bandwidthManager":{"bbr":true}}""");

        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains("error 422", run.Error);
        Assert.Matches(@"error /bandwidthManager\S*: ", run.Error);
    }

    [Fact]
    public async Task Waiting_for_Verified_on_a_cluster_without_Kubernetes_times_out_with_exit_3()
    {
        var run = await Run("enable", "host-firewall", "--wait=Verified", "--timeout", "1s");

        Assert.True(run.ExitCode == ExitCodes.TimedOut, run.Out + run.Error);
        Assert.Contains("timed out", run.Out);
    }

    [Fact]
    public async Task Without_a_key_the_401_problem_is_printed_and_the_exit_code_is_2()
    {
        var run = await Cli.RunAsync(_service, new Dictionary<string, string?> { [CliSettings.UrlVariable] = "http://localhost" }, true, "clusters");

        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains("error 401", run.Error);
    }

    [Fact]
    public async Task The_key_can_come_from_the_config_file()
    {
        var config = Directory.CreateTempSubdirectory("controlapi-cli-config-").FullName;
        Directory.CreateDirectory(Path.Combine(config, "controlapi"));
        await File.WriteAllTextAsync(Path.Combine(config, "controlapi", "config.json"),
            JsonSerializer.Serialize(new { server = "http://localhost", key = _service.AdminKey }));

        var run = await Cli.RunAsync(_service, new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = config }, true, "clusters");

        Assert.True(run.ExitCode == ExitCodes.Done, run.Error);
        Assert.Contains("local", run.Out);
        Directory.Delete(config, recursive: true);
    }

    [Fact]
    public async Task Json_output_is_valid_json()
    {
        var clusters = await Run("clusters", "-o", "json");
        var change = await Run("enable", "host-firewall", "-o", "json");

        Assert.Equal(ExitCodes.Done, clusters.ExitCode);
        Assert.Equal("local", JsonDocument.Parse(clusters.Out).RootElement[0].GetProperty("id").GetString());
        Assert.Equal(1, JsonDocument.Parse(change.Out).RootElement.GetProperty("revision").GetProperty("number").GetInt32());
    }

    [Fact]
    public async Task Clusters_history_and_diff_show_what_changed()
    {
        Assert.Equal(ExitCodes.Done, (await Run("enable", "host-firewall", "--wait=Committed", "--timeout", "1m")).ExitCode);

        var clusters = await Run("clusters");
        var history = await Run("history");
        var diff = await Run("diff", "1");

        Assert.Contains("local", clusters.Out);
        Assert.Contains("CLUSTER", clusters.Out);
        Assert.Matches(@"(?m)^1\s+Committed", history.Out);
        Assert.Contains("/hostFirewall", diff.Out);
        Assert.Contains("@@", diff.Out);
    }

    [Fact]
    public async Task Yaml_output_of_get_names_the_settings()
    {
        var run = await Run("get", "local", "-o", "yaml");

        Assert.Equal(ExitCodes.Done, run.ExitCode);
        Assert.Contains("cluster: local", run.Out);
        Assert.Contains("settings:", run.Out);
    }

    [Fact]
    public async Task Redirected_output_gets_plain_lines_and_a_terminal_one_redrawn_line()
    {
        var redirected = await Cli.RunAsync(_service, Cli.WithKey(_service), redirected: true, "enable", "host-firewall", "--wait=Verified", "--timeout", "1s");
        var terminal = await Cli.RunAsync(_service, Cli.WithKey(_service), redirected: false, "disable", "host-firewall", "--wait=Verified", "--timeout", "1s");

        Assert.DoesNotContain('\r', redirected.Out);
        Assert.DoesNotContain('\u001b', redirected.Out);
        Assert.Contains("revision 1: ", redirected.Out);
        Assert.Contains("\rrevision 2: ", terminal.Out);
    }

    [Fact]
    public async Task An_unreachable_server_exits_4()
    {
        var run = await Cli.RunAsync(null, new Dictionary<string, string?> { [CliSettings.KeyVariable] = "any" }, true,
            "clusters", "--server", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains("did not answer", run.Error);
    }

    [Theory]
    [InlineData("enable")]
    [InlineData("set", "{not json")]
    [InlineData("enable", "bgp", "--wait=Sideways")]
    [InlineData("enable", "bgp", "--timeout", "soon")]
    public async Task A_wrong_command_line_exits_2(params string[] args)
    {
        var run = await Run(args);

        Assert.Equal(ExitCodes.Refused, run.ExitCode);
        Assert.Contains("error", run.Error);
    }

    /// <summary>Reads the embedded remote (appsettings: GitOps.Repository "gitops.git" in the data directory) with the git CLI.</summary>
    private static string Git(string bare, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git") { RedirectStandardOutput = true };
        start.ArgumentList.Add("--git-dir");
        start.ArgumentList.Add(bare);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text;
    }
}
