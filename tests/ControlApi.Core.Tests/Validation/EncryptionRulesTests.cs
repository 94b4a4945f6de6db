using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using static ControlApi.Core.Tests.Validation.ValidationFixtures;

namespace ControlApi.Core.Tests.Validation;

public sealed class EncryptionRulesTests
{
    public static TheoryData<Fires> Firing => new()
    {
        new("node encryption while encryption is off",
            Seed.WithEncryption(e => e with { Enabled = false, NodeEncryption = true }),
            "node-encryption-needs-encryption", "/encryption/nodeEncryption", IssueSeverity.Error),
        new("node encryption with IPsec, where the chart ignores it",
            IpsecSeed.WithEncryption(e => e with { NodeEncryption = true }),
            "node-encryption-needs-wireguard", "/encryption/nodeEncryption", IssueSeverity.Error),
        new("IPsec without a key secret",
            IpsecSeed.WithEncryption(e => e with { IpsecKeySecret = null }),
            "ipsec-key-secret-required", "/encryption/ipsecKeySecret", IssueSeverity.Error),
        new("an IPsec key secret that is no Kubernetes name",
            IpsecSeed.WithEncryption(e => e with { IpsecKeySecret = "Cilium_IPsec" }),
            "ipsec-key-secret-invalid", "/encryption/ipsecKeySecret", IssueSeverity.Error),
        new("a malformed IPsec key secret even while WireGuard is chosen",
            Seed.WithEncryption(e => e with { IpsecKeySecret = "-keys" }),
            "ipsec-key-secret-invalid", "/encryption/ipsecKeySecret", IssueSeverity.Error),
        new("IPsec with the host firewall, which makes the agent exit",
            IpsecSeed.WithHostFirewall(true),
            "ipsec-with-host-firewall", "/encryption/type", IssueSeverity.Error),
        new("IPsec with the bandwidth manager, which the agent would silently turn off",
            IpsecSeed.WithBandwidth(b => b with { Enabled = true }),
            "ipsec-with-bandwidth-manager", "/encryption/type", IssueSeverity.Error),
        new("IPsec with BBR for pods, which IPsec's legacy host routing cannot carry",
            IpsecSeed.WithBandwidth(b => b with { Enabled = true, Bbr = true }),
            "ipsec-with-bandwidth-manager", "/encryption/type", IssueSeverity.Error),
        new("turning encryption on", Seed,
            "encryption-change-restarts-agents", "/encryption/enabled", IssueSeverity.Warning)
        {
            Current = Seed.WithEncryption(e => e with { Enabled = false }),
        },
        new("turning encryption off", Seed.WithEncryption(e => e with { Enabled = false }),
            "encryption-change-restarts-agents", "/encryption/enabled", IssueSeverity.Warning)
        {
            Current = Seed,
        },
        new("switching WireGuard to IPsec", IpsecSeed,
            "encryption-change-restarts-agents", "/encryption/type", IssueSeverity.Warning)
        {
            Current = IpsecSeed.WithEncryption(_ => Seed.Encryption),
        },
        new("turning node encryption on", Seed.WithEncryption(e => e with { NodeEncryption = true }),
            "encryption-change-restarts-agents", "/encryption/nodeEncryption", IssueSeverity.Warning)
        {
            Current = Seed,
        },
    };

    public static TheoryData<Quiet> StayingQuiet => new()
    {
        new("WireGuard with node encryption", Seed.WithEncryption(e => e with { NodeEncryption = true }), "node-encryption-needs-encryption"),
        new("WireGuard with node encryption", Seed.WithEncryption(e => e with { NodeEncryption = true }), "node-encryption-needs-wireguard"),
        new("IPsec with a key secret", IpsecSeed, "ipsec-key-secret-required"),
        new("WireGuard without a key secret", Seed, "ipsec-key-secret-required"),
        new("a dotted Secret name", IpsecSeed.WithEncryption(e => e with { IpsecKeySecret = "cilium.ipsec-keys.v2" }), "ipsec-key-secret-invalid"),
        new("WireGuard with the host firewall", Seed, "ipsec-with-host-firewall"),
        new("IPsec without the host firewall", IpsecSeed, "ipsec-with-host-firewall"),
        new("disabled IPsec with the host firewall",
            IpsecSeed.WithEncryption(e => e with { Enabled = false }).WithHostFirewall(true), "ipsec-with-host-firewall"),
        new("WireGuard with the bandwidth manager and BBR", Seed, "ipsec-with-bandwidth-manager"),
        new("IPsec without the bandwidth manager", IpsecSeed, "ipsec-with-bandwidth-manager"),
        new("unchanged encryption", Seed, "encryption-change-restarts-agents") { Current = Seed },
        new("no current settings to compare with", Seed, "encryption-change-restarts-agents"),
        new("the type of disabled encryption changing, which renders no agent setting",
            Seed.WithEncryption(e => e with { Enabled = false, Type = EncryptionType.Wireguard }),
            "encryption-change-restarts-agents")
        {
            Current = Seed.WithEncryption(e => e with { Enabled = false, Type = EncryptionType.Ipsec }),
        },
        new("a change elsewhere (Hubble UI off)",
            Seed.WithHubbleUi(u => u with { Enabled = false, Hostname = null, ServiceType = ServiceType.ClusterIP }),
            "encryption-change-restarts-agents") { Current = Seed },
    };

    [Theory]
    [MemberData(nameof(Firing))]
    public void Rule_fires_with_its_code_pointer_and_severity(Fires @case) => RuleAssertions.AssertFires(@case);

    [Theory]
    [MemberData(nameof(StayingQuiet))]
    public void Rule_stays_quiet_on_valid_settings(Quiet @case) => RuleAssertions.AssertQuiet(@case);

    [Fact]
    public void Node_encryption_with_disabled_IPsec_reports_both_missing_encryption_and_the_wrong_type()
    {
        var desired = IpsecSeed.WithEncryption(e => e with { Enabled = false, NodeEncryption = true });

        var codes = RuleAssertions.ErrorCodes(desired);

        Assert.Equal(["node-encryption-needs-encryption", "node-encryption-needs-wireguard"], codes);
    }

    [Fact]
    public void The_encryption_change_warning_names_both_the_old_and_the_new_encryption()
    {
        var result = SettingsValidator.Validate(Cluster(), IpsecSeed, current: IpsecSeed.WithEncryption(_ => Seed.Encryption));

        var warning = Assert.Single(result.Warnings, w => w.Code == "encryption-change-restarts-agents");
        Assert.Contains("WireGuard → IPsec", warning.Message);
    }

    [Fact]
    public void IPsec_with_both_the_host_firewall_and_the_bandwidth_manager_reports_both_conflicts()
    {
        var desired = IpsecSeed.WithHostFirewall(true).WithBandwidth(b => b with { Enabled = true });

        var codes = RuleAssertions.ErrorCodes(desired);

        Assert.Equal(["ipsec-with-host-firewall", "ipsec-with-bandwidth-manager"], codes);
    }
}
