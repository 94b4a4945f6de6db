using System.Text.Json;
using ControlApi.Core.Charts;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Core.Values;

namespace ControlApi.Core.Adoption;

/// <summary>What became of one key of the existing release.</summary>
public static class AdoptedAs
{
    /// <summary>Mapped to a typed settings member.</summary>
    public const string Typed = "typed";

    /// <summary>Kept verbatim in <c>extraValues</c>.</summary>
    public const string Extra = "extra";

    /// <summary>Rendered from the cluster's Talos facts or ControlApi's own needs; the existing value agrees.</summary>
    public const string Fact = "fact";

    /// <summary>Cannot be carried over (a reference Flux resolves at apply time, a value the typed model cannot express).</summary>
    public const string NotImportable = "notImportable";
}

/// <summary>One key of the existing release and what adoption does with it.</summary>
/// <param name="Member">The typed member it maps to (<see cref="AdoptedAs.Typed"/>), as a settings pointer.</param>
public sealed record AdoptedKey(string Path, string As, string? Member, JsonElement? Value, string? Reason);

/// <summary>
/// The outcome of reading an existing Cilium release: the settings that reproduce it, what each key
/// became, and — when rendering those settings would not reproduce the release — each value that
/// would change. Pure: the caller reads the files and decides whether to store.
/// </summary>
public sealed record AdoptionResult(
    CiliumSettings Settings,
    string? ChartName,
    string? ChartVersion,
    string? ChartRepository,
    IReadOnlyList<AdoptedKey> Keys,
    IReadOnlyList<ValueChange> WouldChange,
    IReadOnlyList<ValueChange> Rewrites,
    IReadOnlyList<ValueChange> Additions)
{
    public IReadOnlyList<AdoptedKey> NotImportable => Keys.Where(k => k.As == AdoptedAs.NotImportable).ToList();
}

/// <summary>Why a release cannot be read at all.</summary>
public sealed class AdoptionException(string message) : Exception(message);

/// <summary>
/// Reads the Cilium HelmRelease a repository already holds and maps it onto ControlApi's model:
/// the values <see cref="HelmValueOwnership"/> owns become typed settings, every other value is kept
/// verbatim in <c>extraValues</c>. The settings are then rendered and compared with the release by
/// meaning (over the chart's defaults, as Helm merges them), so "adopted" is proven, not assumed.
/// </summary>
public static class ReleaseAdoption
{
    public static AdoptionResult Adopt(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files, ChartDefinition chart)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(chart);
        var releasePath = ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile);
        var releaseText = files.GetValueOrDefault(releasePath)
            ?? throw new AdoptionException($"The repository has no {releasePath}; there is nothing to adopt.");

        YamlMap release;
        try
        {
            release = YamlReader.ReadDocuments(releaseText).OfType<YamlMap>().FirstOrDefault(ValueChanges.IsHelmRelease)
                ?? throw new AdoptionException($"{releasePath} holds no Flux HelmRelease (apiVersion helm.toolkit.fluxcd.io/*, kind HelmRelease).");
        }
        catch (YamlReader.YamlReadException ex)
        {
            throw new AdoptionException($"{releasePath} could not be read: {ex.Message}");
        }

        var keys = new List<AdoptedKey>();
        var chartSpec = ValueTree.Lookup(release, ["spec", "chart", "spec"]) as YamlMap;
        var chartName = (chartSpec?["chart"] as YamlScalar)?.Text;
        var chartVersion = (chartSpec?["version"] as YamlScalar)?.Text;
        if (ValueTree.Lookup(release, ["spec", "chartRef"]) is { } chartRef)
            keys.Add(new AdoptedKey("spec.chartRef", AdoptedAs.NotImportable, null, ValueTree.ToJson(chartRef),
                "The release takes its chart from an OCIRepository or HelmChart reference; ControlApi renders spec.chart from a HelmRepository, so the next commit replaces it."));
        else if (chartName != FluxResourceBuilder.ChartName)
            throw new AdoptionException($"{releasePath} installs chart '{chartName}', not '{FluxResourceBuilder.ChartName}'.");

        if (ValueTree.Lookup(release, ["spec", "valuesFrom"]) is YamlList { Items.Count: > 0 } valuesFrom)
        {
            foreach (var (reference, index) in valuesFrom.Items.Select((r, i) => (r, i)))
                keys.Add(new AdoptedKey($"spec.valuesFrom[{index}]", AdoptedAs.NotImportable, null, ValueTree.ToJson(reference),
                    "Flux merges values from this ConfigMap or Secret at apply time; ControlApi cannot read or reproduce them, so the next commit would drop the reference. Inline the values into spec.values (secrets stay out of Git: keep them in the referenced object and leave the cluster unadopted), then adopt again."));
        }

        var values = ValueTree.Lookup(release, ["spec", "values"]) as YamlMap ?? new YamlMap();
        var effective = ValueTree.Merge(under: chart.Defaults, over: values);
        var (settings, typedKeys) = TypedSettings(cluster, values, effective, chartVersion);
        keys.AddRange(typedKeys);

        // Every value the typed model does not own stays as it is.
        var extra = new YamlMap();
        foreach (var (path, value) in ValueTree.Leaves(values))
        {
            var segments = ValuePath.Split(path);
            if (HelmValueOwnership.Collision(segments) is { } owned)
            {
                if (owned.Path != path)
                    keys.Add(new AdoptedKey(path, AdoptedAs.NotImportable, owned.Member, ValueTree.ToJson(value),
                        $"It overlaps {owned.Path}, which ControlApi renders ({owned.Why}); the two cannot both be kept."));
                continue;
            }
            Set(extra, segments, value);
            keys.Add(new AdoptedKey(path, AdoptedAs.Extra, null, ValueTree.ToJson(value), null));
        }
        settings = SettingsJson.Canonical(settings with { ExtraValues = ValueTree.ToJson(extra), Talos = TalosSettingsOf(cluster, files, keys) });

        var rendered = ValueChanges.Files(ManifestRenderer.Render(cluster, settings));
        var (wouldChange, rewrites, additions) = Compare(cluster, chart, files, rendered, settings);
        return new AdoptionResult(settings, chartName, chartVersion, RepositoryUrl(cluster, files),
            keys.OrderBy(k => k.Path, StringComparer.Ordinal).ToList(), wouldChange, rewrites, additions);
    }

    /// <summary>
    /// The one Talos choice the settings model: host-DNS forwarding, where the existing patch sets it
    /// (the v1alpha1 <c>machine.features.hostDNS</c>, or a 1.14 <c>ResolverConfig</c> document).
    /// </summary>
    private static TalosSettings TalosSettingsOf(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files, List<AdoptedKey> keys)
    {
        if (files.GetValueOrDefault(ManifestRenderer.TalosPatchFilePath(cluster)) is not { } patch) return new TalosSettings();
        IReadOnlyList<YamlValue> documents;
        try
        {
            documents = YamlReader.ReadDocuments(patch);
        }
        catch (YamlReader.YamlReadException)
        {
            return new TalosSettings(); // the comparison reports the file as it differs
        }
        foreach (var document in documents.OfType<YamlMap>())
        {
            var (path, value) = document["kind"] switch
            {
                null => ("machine.features.hostDNS.forwardKubeDNSToHost", ValueTree.Lookup(document, ["machine", "features", "hostDNS", "forwardKubeDNSToHost"])),
                YamlScalar { Text: "ResolverConfig" } => ("ResolverConfig.hostDNS.forwardKubeDNSToHost", ValueTree.Lookup(document, ["hostDNS", "forwardKubeDNSToHost"])),
                _ => ("", null),
            };
            if (value is YamlScalar { Kind: ScalarKind.Boolean } forward)
            {
                keys.Add(new AdoptedKey($"talosPatch {path}", AdoptedAs.Typed, "/talos/forwardKubeDnsToHost", ValueTree.ToJson(forward), null));
                return new TalosSettings { ForwardKubeDnsToHost = forward.Text == "true" };
            }
        }
        return new TalosSettings();
    }

    private static string? RepositoryUrl(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files)
    {
        var text = files.GetValueOrDefault(ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.RepositoryFile));
        if (text is null) return null;
        try
        {
            return YamlReader.ReadDocuments(text).OfType<YamlMap>()
                .Where(d => d["kind"] is YamlScalar { Text: "HelmRepository" })
                .Select(d => (ValueTree.Lookup(d, ["spec", "url"]) as YamlScalar)?.Text)
                .FirstOrDefault();
        }
        catch (YamlReader.YamlReadException)
        {
            return null;
        }
    }

    /// <summary>
    /// Compares by meaning: Helm values over the chart's defaults (an unset key is the default, as
    /// Helm merges it), the Talos patch when the repository has one, every other object field as it is.
    /// </summary>
    private static (List<ValueChange> WouldChange, List<ValueChange> Rewrites, List<ValueChange> Additions) Compare(
        ClusterProfile cluster, ChartDefinition chart, IReadOnlyDictionary<string, string?> existing,
        IReadOnlyDictionary<string, string?> rendered, CiliumSettings settings)
    {
        var wouldChange = new List<ValueChange>();
        var rewrites = new List<ValueChange>();
        var additions = new List<ValueChange>();
        var talosPatch = ManifestRenderer.TalosPatchFilePath(cluster);
        var existingScopes = ValueChanges.Between(cluster, new Dictionary<string, string?>(), existing).Select(c => c.Scope).ToHashSet();
        foreach (var change in ValueChanges.Between(cluster, existing, rendered, chart.Defaults))
        {
            switch (change.Scope)
            {
                case ValueScopes.HelmValues:
                    wouldChange.Add(change);
                    break;
                case ValueScopes.TalosPatch:
                    (existing.GetValueOrDefault(talosPatch) is null ? additions : wouldChange).Add(change);
                    break;
                default:
                    // A field of an object the repository does not hold at all is an addition, not a rewrite.
                    (existingScopes.Contains(change.Scope) ? rewrites : additions).Add(change);
                    break;
            }
        }
        return (wouldChange, rewrites, additions);
    }

    private static void Set(YamlMap root, IReadOnlyList<string> segments, YamlValue value)
    {
        var map = root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            if (map[segments[i]] is not YamlMap child)
            {
                child = new YamlMap();
                map.Add(segments[i], child);
            }
            map = child;
        }
        map.Add(segments[^1], value);
    }

    /// <summary>The typed members from the release's values over the chart defaults, with what each key became.</summary>
    private static (CiliumSettings Settings, List<AdoptedKey> Keys) TypedSettings(
        ClusterProfile cluster, YamlMap values, YamlMap effective, string? chartVersion)
    {
        var keys = new List<AdoptedKey>();
        var reader = new OwnedReader(values, effective, keys);
        var defaults = CiliumSettings.Defaults;

        var encryptionEnabled = reader.Bool("encryption.enabled", defaults.Encryption.Enabled);
        var settings = new CiliumSettings
        {
            ChartVersion = chartVersion is null || chartVersion == cluster.Chart.Version ? null : chartVersion,
            Encryption = new EncryptionSettings
            {
                Enabled = encryptionEnabled,
                // The chart's own default type is ipsec; while encryption is off it means nothing, and
                // WireGuard is what switching encryption on should give (SPEC §3).
                Type = reader.Enum("encryption.type", encryptionEnabled ? EncryptionType.Ipsec : EncryptionType.Wireguard,
                    ("wireguard", EncryptionType.Wireguard), ("ipsec", EncryptionType.Ipsec), onlyIfSet: !encryptionEnabled),
                NodeEncryption = reader.Bool("encryption.nodeEncryption", false),
                // Rendered only for IPsec; the chart's default name means nothing for WireGuard.
                IpsecKeySecret = encryptionEnabled && reader.Peek("encryption.type") is YamlScalar { Text: "ipsec" }
                    ? reader.OptionalString("encryption.ipsec.secretName")
                    : null,
            },
            Bgp = defaults.Bgp with { Enabled = reader.Bool("bgpControlPlane.enabled", false) },
            Hubble = new HubbleSettings
            {
                Enabled = reader.Bool("hubble.enabled", true),
                Relay = reader.Bool("hubble.relay.enabled", false),
                Ui = new HubbleUiSettings
                {
                    Enabled = reader.Bool("hubble.ui.enabled", false),
                    ServiceType = reader.Enum("hubble.ui.service.type", ServiceType.ClusterIP,
                        ("ClusterIP", ServiceType.ClusterIP), ("NodePort", ServiceType.NodePort), ("LoadBalancer", ServiceType.LoadBalancer)),
                    Hostname = reader.OptionalString(ValuePath.Join(["hubble", "ui", "service", "annotations", HelmValuesBuilder.ExternalDnsHostnameAnnotation])),
                },
            },
            HostFirewall = new HostFirewallSettings
            {
                Enabled = reader.Bool("hostFirewall.enabled", false),
                // A release already in audit mode stays in audit mode; one that never set the key keeps not setting it.
                Mode = reader.OptionalBool("policyAuditMode") switch
                {
                    true => HostFirewallMode.Audit,
                    false => HostFirewallMode.Enforce,
                    null => null,
                },
            },
            BandwidthManager = new BandwidthManagerSettings
            {
                Enabled = reader.Bool("bandwidthManager.enabled", false),
                Bbr = reader.Bool("bandwidthManager.bbr", false),
                BbrHostNamespaceOnly = reader.Bool("bandwidthManager.bbrHostNamespaceOnly", false),
            },
            L7Proxy = reader.Bool("l7Proxy", true),
            KubeProxyReplacement = reader.Bool("kubeProxyReplacement", false, acceptStrings: true),
            Routing = new RoutingSettings
            {
                Mode = reader.Enum("routingMode", RoutingMode.Tunnel, ("tunnel", RoutingMode.Tunnel), ("native", RoutingMode.Native), ("", RoutingMode.Tunnel)),
                TunnelProtocol = reader.OptionalEnum("tunnelProtocol", ("vxlan", TunnelProtocol.Vxlan), ("geneve", TunnelProtocol.Geneve)),
                Ipv4NativeRoutingCidr = reader.OptionalString("ipv4NativeRoutingCIDR"),
            },
            Bpf = new BpfSettings
            {
                Masquerade = reader.Bool("bpf.masquerade", false),
                HostLegacyRouting = reader.Bool("bpf.hostLegacyRouting", false),
            },
            Ipam = new IpamSettings
            {
                Mode = reader.Enum("ipam.mode", IpamMode.ClusterPool,
                    ("kubernetes", IpamMode.Kubernetes), ("cluster-pool", IpamMode.ClusterPool), ("multi-pool", IpamMode.MultiPool)),
            },
        };

        foreach (var fact in HelmValueOwnership.All.Where(o => o.Owner != ValueOwner.Setting))
            if (ValueTree.Lookup(values, fact.Segments) is { } value)
                keys.Add(new AdoptedKey(fact.Path, AdoptedAs.Fact, null, ValueTree.ToJson(value), fact.Why));
        return (settings, keys);
    }

    /// <summary>Reads owned values: the release's own value if set, else the chart default; records each key the release set.</summary>
    private sealed class OwnedReader(YamlMap values, YamlMap effective, List<AdoptedKey> keys)
    {
        private YamlValue? Effective(string path) => ValueTree.Lookup(effective, ValuePath.Split(path));

        /// <summary>The effective value, without recording anything.</summary>
        public YamlValue? Peek(string path) => Effective(path);

        private void Typed(string path, YamlValue? value = null)
        {
            if (ValueTree.Lookup(values, ValuePath.Split(path)) is { } own)
                keys.Add(new AdoptedKey(path, AdoptedAs.Typed, HelmValueOwnership.Find(path)?.Member, ValueTree.ToJson(own), null));
        }

        private void Refuse(string path, YamlValue value, string why)
        {
            if (ValueTree.Lookup(values, ValuePath.Split(path)) is not null)
                keys.Add(new AdoptedKey(path, AdoptedAs.NotImportable, HelmValueOwnership.Find(path)?.Member, ValueTree.ToJson(value), why));
        }

        public bool Bool(string path, bool fallback, bool acceptStrings = false)
        {
            switch (Effective(path))
            {
                case null or YamlScalar { Kind: ScalarKind.Null }:
                    Typed(path);
                    return fallback;
                case YamlScalar { Kind: ScalarKind.Boolean } b:
                    Typed(path);
                    return b.Text == "true";
                case YamlScalar { Kind: ScalarKind.String, Text: "true" or "false" } s when acceptStrings:
                    Typed(path);
                    return s.Text == "true";
                case var other:
                    Refuse(path, other, $"ControlApi models {path} as true or false; {ValueTree.Display(other)} cannot be expressed, so rendering would change it.");
                    return fallback;
            }
        }

        /// <summary>A boolean the release may leave unset (null), read from the release's own values only.</summary>
        public bool? OptionalBool(string path)
        {
            switch (ValueTree.Lookup(values, ValuePath.Split(path)))
            {
                case null or YamlScalar { Kind: ScalarKind.Null }:
                    return null;
                case YamlScalar { Kind: ScalarKind.Boolean } b:
                    Typed(path);
                    return b.Text == "true";
                case var other:
                    Refuse(path, other, $"ControlApi models {path} as true or false; {ValueTree.Display(other)} cannot be expressed, so rendering would change it.");
                    return null;
            }
        }

        public T Enum<T>(string path, T fallback, params (string Text, T Value)[] spellings) => Enum(path, fallback, false, spellings);

        public T Enum<T>(string path, T fallback, (string Text, T Value) first, (string Text, T Value) second, bool onlyIfSet) =>
            Enum(path, fallback, onlyIfSet, first, second);

        private T Enum<T>(string path, T fallback, bool onlyIfSet, params (string Text, T Value)[] spellings)
        {
            var value = onlyIfSet ? ValueTree.Lookup(values, ValuePath.Split(path)) : Effective(path);
            if (value is null or YamlScalar { Kind: ScalarKind.Null }) return fallback;
            if (value is YamlScalar { Kind: ScalarKind.String } s && spellings.FirstOrDefault(p => p.Text == s.Text) is { Text: not null } match)
            {
                Typed(path);
                return match.Value;
            }
            Refuse(path, value, $"ControlApi models {path} as one of {string.Join(", ", spellings.Where(p => p.Text.Length > 0).Select(p => p.Text))}; {ValueTree.Display(value)} cannot be expressed, so rendering would change it.");
            return fallback;
        }

        public T? OptionalEnum<T>(string path, params (string Text, T Value)[] spellings) where T : struct
        {
            var value = Effective(path);
            if (value is null or YamlScalar { Kind: ScalarKind.Null } or YamlScalar { Text: "" }) { Typed(path); return null; }
            if (value is YamlScalar { Kind: ScalarKind.String } s && spellings.Any(p => p.Text == s.Text))
            {
                Typed(path);
                return spellings.First(p => p.Text == s.Text).Value;
            }
            Refuse(path, value, $"ControlApi models {path} as one of {string.Join(", ", spellings.Select(p => p.Text))}; {ValueTree.Display(value)} cannot be expressed, so rendering would change it.");
            return null;
        }

        public string? OptionalString(string path)
        {
            var value = Effective(path);
            if (value is null or YamlScalar { Kind: ScalarKind.Null } or YamlScalar { Kind: ScalarKind.String, Text: "" }) { Typed(path); return null; }
            if (value is YamlScalar { Kind: ScalarKind.String } s) { Typed(path); return s.Text; }
            Refuse(path, value, $"ControlApi models {path} as a string; {ValueTree.Display(value)} cannot be expressed, so rendering would change it.");
            return null;
        }
    }
}
