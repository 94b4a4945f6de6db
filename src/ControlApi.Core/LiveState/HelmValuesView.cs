using ControlApi.Core.Rendering.Yaml;

namespace ControlApi.Core.LiveState;

/// <summary>
/// Reads rendered Helm values with Go template semantics — enough of <c>if</c>, <c>hasKey</c>,
/// <c>quote</c>, <c>default</c> and <c>kindIs "invalid"</c> to evaluate the cilium-config template
/// branches ControlApi controls. Paths are dotted (<c>encryption.enabled</c>).
/// </summary>
internal sealed class HelmValuesView(YamlMap values)
{
    public YamlValue? Lookup(string path)
    {
        YamlValue? current = values;
        foreach (var key in path.Split('.'))
        {
            if (current is not YamlMap map) return null;
            current = map[key];
        }
        return current;
    }

    /// <summary><c>hasKey</c>: the key exists (whatever its value).</summary>
    public bool HasKey(string path) => Lookup(path) is not null;

    /// <summary><c>kindIs "invalid"</c> is true for a missing (nil) value.</summary>
    public bool IsNil(string path) => Lookup(path) is null;

    /// <summary>Go template truthiness: false, 0, "", empty collections and nil are false.</summary>
    public bool Truthy(string path) => Lookup(path) switch
    {
        null => false,
        YamlScalar { Kind: ScalarKind.Null } => false,
        YamlScalar { Kind: ScalarKind.Boolean } b => b.Text == "true",
        YamlScalar { Kind: ScalarKind.Integer } i => i.Text != "0",
        YamlScalar s => s.Text.Length > 0,
        YamlList l => l.Items.Count > 0,
        YamlMap m => m.Count > 0,
        _ => false,
    };

    /// <summary>The text <c>quote</c>/<c>toString</c> produce for a scalar (what lands in the ConfigMap).</summary>
    public string? Text(string path) => Lookup(path) is YamlScalar scalar ? scalar.Text : null;

    /// <summary><c>{{ .Values.x | default "d" }}</c>: the value unless it is empty.</summary>
    public string Default(string path, string fallback) => Truthy(path) ? Text(path)! : fallback;
}
