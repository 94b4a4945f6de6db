using System.Text.Json;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.Values;

/// <summary>Where a rendered value lives, as people name it.</summary>
public static class ValueScopes
{
    /// <summary>A Helm value of the Cilium release (<c>spec.values</c> of the HelmRelease).</summary>
    public const string HelmValues = "helmValues";

    /// <summary>A key of the Talos machine-config patch.</summary>
    public const string TalosPatch = "talosPatch";
}

/// <summary>
/// One rendered value that differs between two versions of the GitOps files: a Helm values path,
/// a Talos patch key, or a field of another object (scope <c>Kind/name</c>). <c>null</c> old or new
/// means the value is not set on that side.
/// </summary>
public sealed record ValueChange(string Scope, string Path, JsonElement? Old, JsonElement? New)
{
    /// <summary><c>encryption.enabled: false → true</c>; other scopes name themselves first.</summary>
    public override string ToString()
    {
        var where = Scope == ValueScopes.HelmValues ? Path : $"{Scope} {Path}";
        return $"{where}: {Show(Old)} → {Show(New)}";
    }

    private static string Show(JsonElement? value) => value is { } v ? v.GetRawText() : "(unset)";
}

/// <summary>
/// Compares GitOps files by what they mean, not by their bytes: each YAML document is read into
/// values and every leaf that differs is listed. Formatting, key order and comments never count, so
/// a hand-written release and ControlApi's rendering of the same values compare equal.
/// </summary>
public static class ValueChanges
{
    /// <summary>
    /// Every value that differs; files are repository paths to contents (null = absent). With the
    /// chart's <paramref name="chartDefaults"/>, Helm values are compared as Helm merges them — a key
    /// written out with its default value is no change — and by what the chart's templates make of them.
    /// </summary>
    public static IReadOnlyList<ValueChange> Between(
        ClusterProfile cluster, IReadOnlyDictionary<string, string?> before, IReadOnlyDictionary<string, string?> after,
        YamlMap? chartDefaults = null) =>
        Between(Read(cluster, before, chartDefaults), Read(cluster, after, chartDefaults));

    /// <summary>
    /// The values of some files, read once: reading (YAML parsing, merging the chart's defaults) is
    /// most of a comparison's cost, and a render compared twice — as one change's "after" and the
    /// next change's "before" — need not be read twice. Immutable; safe to share.
    /// </summary>
    public sealed class FileValues
    {
        internal FileValues(Dictionary<Key, YamlValue> leaves) => Leaves = leaves;

        internal Dictionary<Key, YamlValue> Leaves { get; }
    }

    /// <summary>Reads <paramref name="files"/> as <see cref="Between(ClusterProfile, IReadOnlyDictionary{string, string?}, IReadOnlyDictionary{string, string?}, YamlMap?)"/> does.</summary>
    public static FileValues Read(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files, YamlMap? chartDefaults = null) =>
        new(Flatten(cluster, files, chartDefaults));

    /// <summary>Every value that differs between two reads (made with the same cluster and chart defaults).</summary>
    public static IReadOnlyList<ValueChange> Between(FileValues before, FileValues after)
    {
        var left = before.Leaves;
        var right = after.Leaves;
        var encryptionOff = !EncryptionOn(left) && !EncryptionOn(right);
        var changes = new List<ValueChange>();
        foreach (var key in left.Keys.Union(right.Keys).Order())
        {
            left.TryGetValue(key, out var old);
            right.TryGetValue(key, out var @new);
            if (key.Scope == ValueScopes.HelmValues ? HelmValueMeaning.Same(key.Path, old, @new) : ValueTree.SameValue(old, @new)) continue;
            // While encryption stays off, nothing under it but `enabled` means anything
            // ({{- if .Values.encryption.enabled }} wraps the block in cilium-configmap.yaml).
            if (encryptionOff && key.Scope == ValueScopes.HelmValues && key.Path.StartsWith("encryption.", StringComparison.Ordinal)
                && HelmValueOwnership.Find(key.Path) is not null) continue;
            changes.Add(new ValueChange(key.Scope, key.Path,
                old is null ? null : ValueTree.ToJson(old), @new is null ? null : ValueTree.ToJson(@new)));
        }
        return changes;
    }

    private static bool EncryptionOn(Dictionary<Key, YamlValue> leaves) =>
        leaves.GetValueOrDefault(new Key(ValueScopes.HelmValues, "encryption.enabled")) is YamlScalar { Kind: ScalarKind.Boolean, Text: "true" };

    /// <summary>The files of a render, keyed the way <see cref="Between"/> takes them.</summary>
    public static IReadOnlyDictionary<string, string?> Files(RenderedManifests rendered) =>
        rendered.OwnedPaths.ToDictionary(path => path, path => rendered.Find(path)?.Content, StringComparer.Ordinal);

    /// <summary>The Helm values of the release in these files, or null when there is no HelmRelease.</summary>
    public static YamlMap? HelmValues(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files)
    {
        var release = files.GetValueOrDefault(ManifestRenderer.CiliumFilePath(cluster, ManifestRenderer.ReleaseFile));
        if (release is null) return null;
        foreach (var document in YamlReader.ReadDocuments(release).OfType<YamlMap>())
            if (IsHelmRelease(document))
                return ValueTree.Lookup(document, ["spec", "values"]) as YamlMap ?? new YamlMap();
        return null;
    }

    private static bool IsKustomizeFile(YamlMap document) =>
        document["kind"] is YamlScalar { Text: "Kustomization" }
        && document["apiVersion"] is YamlScalar { Text: var apiVersion } && apiVersion.StartsWith("kustomize.config.k8s.io/", StringComparison.Ordinal);

    public static bool IsHelmRelease(YamlMap document) =>
        document["kind"] is YamlScalar { Text: "HelmRelease" }
        && document["apiVersion"] is YamlScalar { Text: var apiVersion } && apiVersion.StartsWith("helm.toolkit.fluxcd.io/", StringComparison.Ordinal);

    internal readonly record struct Key(string Scope, string Path) : IComparable<Key>
    {
        public int CompareTo(Key other)
        {
            var byScope = Rank(Scope).CompareTo(Rank(other.Scope));
            if (byScope != 0) return byScope;
            var scope = string.CompareOrdinal(Scope, other.Scope);
            return scope != 0 ? scope : string.CompareOrdinal(Path, other.Path);
        }

        // Helm values first, then the Talos patch, then everything else: the order people care.
        private static int Rank(string scope) => scope switch { ValueScopes.HelmValues => 0, ValueScopes.TalosPatch => 1, _ => 2 };
    }

    private static Dictionary<Key, YamlValue> Flatten(ClusterProfile cluster, IReadOnlyDictionary<string, string?> files, YamlMap? chartDefaults)
    {
        var talosPatch = ManifestRenderer.TalosPatchFilePath(cluster);
        var leaves = new Dictionary<Key, YamlValue>();
        foreach (var (path, content) in files)
        {
            if (content is null) continue;
            var documents = YamlReader.ReadDocuments(content);
            foreach (var document in documents.OfType<YamlMap>())
            {
                if (path == talosPatch)
                {
                    // Multi-document patches (Talos 1.14+) are told apart by kind; the v1alpha1 document has none.
                    var prefix = document["kind"] is YamlScalar kind ? kind.Text + "." : "";
                    foreach (var (leaf, value) in ValueTree.Leaves(document))
                        if (!(prefix.Length > 0 && leaf is "apiVersion" or "kind"))
                            leaves[new Key(ValueScopes.TalosPatch, prefix + leaf)] = value;
                    continue;
                }

                var scope = ObjectScope(document, path);
                var isRelease = IsHelmRelease(document);
                foreach (var (leaf, value) in ValueTree.Leaves(document))
                {
                    // kustomize builds the same objects whatever order its resources are listed in.
                    if (leaf == "resources" && IsKustomizeFile(document) && value is YamlList list)
                    {
                        leaves[new Key(scope, leaf)] = new YamlList(list.Items.OrderBy(i => (i as YamlScalar)?.Text, StringComparer.Ordinal).ToArray());
                        continue;
                    }
                    if (isRelease && (leaf == "spec.values" || leaf.StartsWith("spec.values.", StringComparison.Ordinal))) continue;
                    if (leaf is not ("apiVersion" or "kind" or "metadata.name" or "metadata.namespace"))
                        leaves[new Key(scope, leaf)] = value;
                }
                if (isRelease)
                {
                    var values = ValueTree.Lookup(document, ["spec", "values"]) as YamlMap ?? new YamlMap();
                    if (chartDefaults is not null) values = ValueTree.Merge(under: chartDefaults, over: values);
                    foreach (var (leaf, value) in ValueTree.Leaves(values))
                        leaves[new Key(ValueScopes.HelmValues, leaf)] = value;
                }
            }
        }
        return leaves;
    }

    private static string ObjectScope(YamlMap document, string path)
    {
        var kind = document["kind"] is YamlScalar k ? k.Text : path;
        var name = ValueTree.Lookup(document, ["metadata", "name"]) is YamlScalar n ? n.Text : null;
        return name is null ? kind : $"{kind}/{name}";
    }
}

/// <summary>
/// What the Cilium chart's templates make of a value, where two spellings mean the same: an empty
/// <c>routingMode</c> is tunnel and an empty <c>tunnelProtocol</c> vxlan (<c>default "vxlan"</c> in
/// cilium-configmap.yaml), <c>kubeProxyReplacement</c> is compared as the string the template tests
/// (true and "true" alike), an empty <c>ipv4NativeRoutingCIDR</c> is unset, and an unset
/// <c>bpf.hostLegacyRouting</c> or <c>bpf.masquerade</c> (<c>~</c> in values.yaml, "@default -- false")
/// renders no key (<c>kindIs "invalid"</c> in cilium-configmap.yaml; <c>$defaultBpfMasquerade</c> is
/// "false" from 1.10 on), which the agent reads as false.
/// </summary>
public static class HelmValueMeaning
{
    public static bool Same(string path, YamlValue? left, YamlValue? right)
    {
        if (ValueTree.SameValue(left, right)) return true;
        return path switch
        {
            "routingMode" => Text(left, "tunnel") == Text(right, "tunnel"),
            "tunnelProtocol" => Text(left, "vxlan") == Text(right, "vxlan"),
            "kubeProxyReplacement" => Text(left, "false") == Text(right, "false"),
            "ipv4NativeRoutingCIDR" => Text(left, "") == Text(right, ""),
            "bpf.hostLegacyRouting" or "bpf.masquerade" => Text(left, "false") == Text(right, "false"),
            _ => false,
        };
    }

    private static string Text(YamlValue? value, string fallback) =>
        value is YamlScalar { Kind: not ScalarKind.Null } s && s.Text.Length > 0 ? s.Text : fallback;
}
