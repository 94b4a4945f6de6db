using System.Text.Json.Nodes;

namespace ControlApi.Core.Tests.Rendering.Support;

/// <summary>
/// The CRDs' <c>x-kubernetes-validations</c> (CEL, checked by the API server) translated into
/// JSON Schema, one by one, so JsonSchema.Net enforces them too. A rule that is not in this table
/// makes the schema conversion fail: a new upstream rule must be read and translated, never
/// skipped. Rules JSON Schema cannot express (comparing two fields) are translated fail-closed:
/// they reject every instance in which the rule would be evaluated on the fields involved.
/// </summary>
public static class CelRuleTranslations
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        // helm-controller HelmRelease (install.strategy / upgrade.strategy)
        ["!has(self.retryInterval) || self.name != 'RemediateOnFailure'"] =
            """{"if":{"required":["name"],"properties":{"name":{"const":"RemediateOnFailure"}}},"then":{"not":{"required":["retryInterval"]}}}""",
        ["!has(self.retryInterval) || self.name == 'RetryOnFailure'"] =
            """{"if":{"required":["retryInterval"]},"then":{"required":["name"],"properties":{"name":{"const":"RetryOnFailure"}}}}""",
        // HelmRelease kubeConfig: exactly one of configMapRef / secretRef
        ["has(self.configMapRef) || has(self.secretRef)"] =
            """{"anyOf":[{"required":["configMapRef"]},{"required":["secretRef"]}]}""",
        ["!has(self.configMapRef) || !has(self.secretRef)"] =
            """{"not":{"required":["configMapRef","secretRef"]}}""",
        // HelmRelease spec: chart xor chartRef
        ["(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))"] =
            """{"oneOf":[{"required":["chart"]},{"required":["chartRef"]}]}""",
        // CiliumBGPPeerConfig timers: a comparison of two fields (defaults 30 and 90 apply first).
        // Not expressible; fail-closed: ControlApi renders no timers, and must not start without a real check.
        ["self.keepAliveTimeSeconds <= self.holdTimeSeconds"] =
            """{"not":{"anyOf":[{"required":["keepAliveTimeSeconds"]},{"required":["holdTimeSeconds"]}]}}""",
        // CiliumBGPAdvertisement advertisements[]
        ["self.advertisementType != 'Service' || has(self.service)"] =
            """{"if":{"required":["advertisementType"],"properties":{"advertisementType":{"const":"Service"}}},"then":{"required":["service"]}}""",
        ["self.advertisementType != 'PodCIDR' || !has(self.selector)"] =
            """{"if":{"required":["advertisementType"],"properties":{"advertisementType":{"const":"PodCIDR"}}},"then":{"not":{"required":["selector"]}}}""",
    };

    public static JsonNode Translate(string rule) =>
        Known.TryGetValue(Normalize(rule), out var schema)
            ? JsonNode.Parse(schema)!
            : throw new NotSupportedException($"CEL rule not translated yet: {rule}");

    public static bool IsKnown(string rule) => Known.ContainsKey(Normalize(rule));

    // Folded YAML may leave line breaks or double spaces inside a rule.
    private static string Normalize(string rule) => string.Join(' ', rule.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
