using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ControlApi.Core.Clusters;
using ControlApi.Core.Tests.Reference;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// The upstream schemas every rendered object is checked against, built once from the reference
/// data (never copied into the project): Flux CRDs, Cilium BGP CRDs, the Cilium chart's
/// values.schema.json and the Talos config schemas.
/// </summary>
public static class ReferenceSchemas
{
    public sealed record CrdCheck(CrdSchemaConverter.Converted Crd, SchemaCheck Schema)
    {
        public IReadOnlyList<string> Errors(JsonNode? instance) =>
            [.. Schema.Errors(instance), .. ListTypeChecker.Check(Crd.OriginalSchema, instance)];
    }

    private static readonly ConcurrentDictionary<string, Lazy<CrdCheck>> Crds = new(StringComparer.Ordinal);

    private static CrdCheck Crd(string project, string file, string version) =>
        Crds.GetOrAdd($"{project}/{file}@{version}", key => new Lazy<CrdCheck>(() =>
        {
            var converted = CrdSchemaConverter.Convert(ReferenceData.Read(project, file), version);
            return new CrdCheck(converted, new SchemaCheck($"{file} {version}", converted.Schema, new Uri($"https://controlapi.test/crd/{file}/{version}")));
        })).Value;

    public static CrdCheck HelmRelease => Crd("flux", "helmreleases.crd.yaml", "v2");
    public static CrdCheck HelmRepository => Crd("flux", "helmrepositories.crd.yaml", "v1");

    /// <summary>The Cilium CRD of a BGP kind, at the version the renderer writes (v2).</summary>
    public static CrdCheck CiliumBgp(string kind) => kind switch
    {
        "CiliumBGPClusterConfig" => Crd("cilium", Path.Combine("crds", "ciliumbgpclusterconfigs.yaml"), "v2"),
        "CiliumBGPPeerConfig" => Crd("cilium", Path.Combine("crds", "ciliumbgppeerconfigs.yaml"), "v2"),
        "CiliumBGPAdvertisement" => Crd("cilium", Path.Combine("crds", "ciliumbgpadvertisements.yaml"), "v2"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a Cilium BGP kind the renderer writes."),
    };

    private static readonly Lazy<SchemaCheck> UpstreamValues = new(() =>
        new SchemaCheck("cilium values.schema.json", JsonNode.Parse(ReferenceData.Read("cilium", "values.schema.json"))!,
            new Uri("https://controlapi.test/cilium/values.schema.json")));

    private static readonly Lazy<SchemaCheck> StrictValuesSchema = new(() =>
    {
        var schema = JsonNode.Parse(ReferenceData.Read("cilium", "values.schema.json"))!.AsObject();
        CloseObjects(schema);
        // Not in the 1.18.2 schema (cilium/NOTES.md); the configmap template fails on anything but
        // "true"/"false", so that is the whole domain.
        schema["properties"]!.AsObject()["kubeProxyReplacement"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("true", "false") };
        return new SchemaCheck("cilium values.schema.json (closed objects)", schema, new Uri("https://controlapi.test/cilium/values.strict.schema.json"));
    });

    /// <summary>The chart's schema exactly as published: it accepts unknown keys.</summary>
    public static SchemaCheck CiliumValues => UpstreamValues.Value;

    /// <summary>
    /// The chart's schema with every object that lists its properties closed, so a misspelt key —
    /// which Helm would silently ignore, leaving the feature at its default — is an error.
    /// </summary>
    public static SchemaCheck CiliumValuesStrict => StrictValuesSchema.Value;

    private static void CloseObjects(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["properties"] is JsonObject && !obj.ContainsKey("additionalProperties")) obj["additionalProperties"] = false;
                foreach (var (key, child) in obj)
                {
                    if (key == "properties") foreach (var (_, property) in child!.AsObject()) CloseObjects(property);
                    else if (key is "items" or "additionalProperties" or "anyOf" or "oneOf" or "allOf") CloseObjects(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array) CloseObjects(child);
                break;
        }
    }

    private static readonly Lazy<TalosPatchValidator> Talos113 = new(() => new TalosPatchValidator("talos config.schema.json v1.13.9", ReferenceData.Read("talos", "config.schema.json")));
    private static readonly Lazy<TalosPatchValidator> Talos114 = new(() => new TalosPatchValidator("talos config.schema.json v1.14.0-rc.1", ReferenceData.Read("talos", "config.schema.v1.14.0-rc.1.json")));

    /// <summary>
    /// The Talos schema for a version: 1.14 and later use the v1.14.0-rc.1 schema (multi-document
    /// layout); up to 1.13 the v1.13.9 one, the only older schema in the reference data (the
    /// v1alpha1 cluster.network/cluster.proxy fields it checks date from long before 1.5).
    /// </summary>
    public static TalosPatchValidator TalosFor(TalosVersion version) =>
        version.UsesMultiDocumentKubernetesConfig ? Talos114.Value : Talos113.Value;

    public static TalosPatchValidator TalosV1_13 => Talos113.Value;
    public static TalosPatchValidator TalosV1_14 => Talos114.Value;
}
