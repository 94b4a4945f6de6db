using System.Globalization;

namespace ControlApi.Core.Rendering.Yaml;

/// <summary>
/// A value the renderer writes: a typed scalar, a list or a map. Types are explicit so that the
/// writer picks a scalar's style from what it <em>is</em> (a string stays a string however it
/// looks), never from its text.
/// </summary>
public abstract record YamlValue
{
    public static YamlScalar String(string value) => new(value ?? throw new ArgumentNullException(nameof(value)), ScalarKind.String);
    public static YamlScalar Bool(bool value) => new(value ? "true" : "false", ScalarKind.Boolean);
    public static YamlScalar Int(long value) => new(value.ToString(CultureInfo.InvariantCulture), ScalarKind.Integer);

    /// <summary>YAML's null, written <c>null</c>: Helm values use it to delete a chart default.</summary>
    public static YamlScalar Null { get; } = new("null", ScalarKind.Null);

    /// <summary>A number that is not an integer, kept in the JSON spelling it came with (e.g. <c>0.5</c>, <c>1e-3</c>).</summary>
    public static YamlScalar Float(string text) => new(text ?? throw new ArgumentNullException(nameof(text)), ScalarKind.Float);

    public static implicit operator YamlValue(string value) => String(value);
    public static implicit operator YamlValue(bool value) => Bool(value);
    public static implicit operator YamlValue(long value) => Int(value);
    public static implicit operator YamlValue(int value) => Int(value);
}

public enum ScalarKind { String, Boolean, Integer, Float, Null }

/// <summary>A scalar with its canonical text (booleans <c>true</c>/<c>false</c>, integers in invariant culture, <c>null</c>).</summary>
public sealed record YamlScalar(string Text, ScalarKind Kind) : YamlValue
{
    public override string ToString() => Text;
}

public sealed record YamlList(IReadOnlyList<YamlValue> Items) : YamlValue
{
    public static YamlList Of(params YamlValue[] items) => new(items);
    public static YamlList Strings(IEnumerable<string> items) => new(items.Select(i => (YamlValue)YamlValue.String(i)).ToArray());

    public bool Equals(YamlList? other) => other is not null && Items.SequenceEqual(other.Items);
    public override int GetHashCode() => Items.Count;
}

/// <summary>
/// A mapping whose keys keep the order they were added in (the writer emits them in that order).
/// Adding a key twice is a bug in a builder, so it throws rather than silently replacing.
/// </summary>
public sealed record YamlMap : YamlValue
{
    private readonly List<KeyValuePair<string, YamlValue>> _entries = [];

    public IReadOnlyList<KeyValuePair<string, YamlValue>> Entries => _entries;
    public int Count => _entries.Count;

    public YamlMap Add(string key, YamlValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_entries.Exists(e => e.Key == key)) throw new InvalidOperationException($"Key '{key}' is already in the map.");
        _entries.Add(new(key, value));
        return this;
    }

    public YamlValue? this[string key] => _entries.Find(e => e.Key == key).Value;

    /// <summary>The same tree with every map's keys in ordinal order (how <c>helm get values</c> prints).</summary>
    public YamlMap SortedRecursively()
    {
        var sorted = new YamlMap();
        foreach (var (key, value) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            sorted.Add(key, Sort(value));
        return sorted;

        static YamlValue Sort(YamlValue value) => value switch
        {
            YamlMap m => m.SortedRecursively(),
            YamlList l => new YamlList(l.Items.Select(Sort).ToArray()),
            _ => value,
        };
    }

    public bool Equals(YamlMap? other) => other is not null && _entries.SequenceEqual(other._entries);
    public override int GetHashCode() => _entries.Count;
}
