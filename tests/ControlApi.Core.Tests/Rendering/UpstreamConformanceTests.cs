using CsCheck;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Tests.Reference;
using ControlApi.Core.Tests.Rendering.Support;

namespace ControlApi.Core.Tests.Rendering;

/// <summary>
/// Every object rendered from any valid settings validates against the real upstream schema:
/// Flux CRDs, the Cilium chart's values schema, the Cilium BGP CRDs and the Talos config schema.
/// </summary>
public sealed class UpstreamConformanceTests
{
    /// <summary>At least 200 generated (cluster, settings) pairs, per SPEC §3 "every rendered object validates".</summary>
    private const int Iterations = 250;

    [ReferenceFact]
    public void Every_file_rendered_from_valid_settings_validates_against_the_upstream_schemas()
    {
        var checkedPairs = 0;
        Gen.Select(SettingsGenerators.Clusters, SettingsGenerators.ValidSettings).Sample((cluster, settings) =>
        {
            var errors = RenderedFileChecks.Errors(cluster, ManifestRenderer.Render(cluster, settings));
            Interlocked.Increment(ref checkedPairs);
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }, iter: Iterations, threads: 1);
        Assert.True(checkedPairs >= 200, $"only {checkedPairs} pairs were checked");
    }

    [Fact]
    public void The_generated_matrix_covers_every_feature_switch_both_ways()
    {
        // Guards the property test above against a generator that never reaches a branch.
        var seen = new HashSet<string>();
        SettingsGenerators.ValidSettings.Sample(s =>
        {
            lock (seen)
            {
                seen.Add($"encryption={s.Encryption.Enabled}/{s.Encryption.Type}/{s.Encryption.NodeEncryption}");
                seen.Add($"bgp={s.Bgp.Enabled}/{s.Bgp.AdvertisePodCidr}");
                seen.Add($"hubble={s.Hubble.Enabled}/{s.Hubble.Relay}/{s.Hubble.Ui.Enabled}/{s.Hubble.Ui.Hostname is not null}");
                seen.Add($"hostFirewall={s.HostFirewall.Enabled}");
                seen.Add($"bandwidth={s.BandwidthManager.Enabled}/{s.BandwidthManager.Bbr}/{s.BandwidthManager.BbrHostNamespaceOnly}");
                seen.Add($"l7={s.L7Proxy}");
                seen.Add($"routing={s.Routing.Mode}/{s.Routing.TunnelProtocol}");
                seen.Add($"bpf={s.Bpf.Masquerade}/{s.Bpf.HostLegacyRouting}");
                seen.Add($"chart={s.ChartVersion is null}");
            }
        }, iter: Iterations, threads: 1);

        string[] required =
        [
            "encryption=False/Wireguard/False", "encryption=True/Wireguard/True", "encryption=True/Wireguard/False", "encryption=True/Ipsec/False", "encryption=True/Ipsec/True",
            "bgp=True/True", "bgp=True/False", "bgp=False/True",
            "hubble=False/False/False/False", "hubble=True/True/True/True", "hubble=True/False/False/False",
            "hostFirewall=True", "hostFirewall=False",
            "bandwidth=False/False/False", "bandwidth=True/False/False", "bandwidth=True/True/False", "bandwidth=True/True/True",
            "l7=True", "l7=False",
            "routing=Native/", "routing=Tunnel/", "routing=Tunnel/Vxlan", "routing=Tunnel/Geneve",
            "bpf=True/False", "bpf=False/True",
            "chart=True", "chart=False",
        ];
        var missing = required.Where(r => !seen.Contains(r)).ToArray();
        Assert.True(missing.Length == 0, $"never generated: {string.Join(", ", missing)}");
    }

    [ReferenceTheory]
    [InlineData("1.13")]
    [InlineData("1.14")]
    public void The_default_settings_render_valid_files(string talos)
    {
        var cluster = new ClusterProfile { Id = "defaults", Talos = new TalosFacts { Version = TalosVersion.Parse(talos) } };
        var errors = RenderedFileChecks.Errors(cluster, ManifestRenderer.Render(cluster, Settings.CiliumSettings.Defaults));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
