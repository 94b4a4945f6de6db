using ControlApi.Configuration;
using ControlApi.Core.Clusters;
using ControlApi.Core.Rendering;
using ControlApi.Core.Rendering.Yaml;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;

namespace ControlApi.Revisions;

/// <summary>
/// The rendered files of the last few settings each cluster was described with. Rendering is pure
/// (the same profile and settings give the same files), so a render done before the write turn — the
/// change's desired settings — serves again inside it, and the next change's "before" is the render
/// this one already made: the turn, which every writer waits for, renders nothing in a burst.
/// Keyed by the settings' stored JSON, which is what makes two settings the same revision content.
/// </summary>
public sealed class RenderedFilesCache
{
    /// <summary>
    /// Renders kept, least recently used first out. Each writer waiting for the turn holds one, so
    /// this is sized for a burst of a few hundred concurrent changes (a render's files are a few KB).
    /// </summary>
    public const int Capacity = 256;

    private readonly Dictionary<(string Cluster, string SettingsJson), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recent = new();

    private sealed record Entry((string Cluster, string SettingsJson) Key, ClusterProfile Profile, IReadOnlyDictionary<string, string?> Files)
    {
        /// <summary>The files' values as last read, with the chart defaults they were read with (compared by reference).</summary>
        public (YamlMap? Defaults, ValueChanges.FileValues Values)? Read { get; set; }
    }

    /// <summary>The values of <paramref name="settings"/>' render, read with <paramref name="chartDefaults"/>: <see cref="ValueChanges.Read"/>, kept with the render.</summary>
    public ValueChanges.FileValues ValuesOf(ManagedCluster cluster, CiliumSettings settings, YamlMap? chartDefaults)
    {
        var entry = EntryOf(cluster, settings);
        lock (_entries)
            if (entry.Read is { } read && ReferenceEquals(read.Defaults, chartDefaults)) return read.Values;
        var values = ValueChanges.Read(cluster.Profile, entry.Files, chartDefaults);
        lock (_entries) entry.Read = (chartDefaults, values);
        return values;
    }

    /// <summary>The files <paramref name="settings"/> render to for <paramref name="cluster"/>; the result is shared, never modify it.</summary>
    public IReadOnlyDictionary<string, string?> FilesOf(ManagedCluster cluster, CiliumSettings settings) => EntryOf(cluster, settings).Files;

    private Entry EntryOf(ManagedCluster cluster, CiliumSettings settings)
    {
        var key = (cluster.Id, SettingsJson.Serialize(settings));
        lock (_entries)
        {
            // A profile changed by a configuration reload renders differently: such an entry is rendered again.
            if (_entries.TryGetValue(key, out var node) && Equals(node.Value.Profile, cluster.Profile))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                return node.Value;
            }
        }
        // Rendered outside the lock: two callers rendering the same settings at once both get equal files.
        var entry = new Entry(key, cluster.Profile, ValueChanges.Files(ManifestRenderer.Render(cluster.Profile, settings)));
        lock (_entries)
        {
            if (_entries.Remove(key, out var stale)) _recent.Remove(stale);
            _entries[key] = _recent.AddFirst(entry);
            while (_recent.Count > Capacity)
            {
                _entries.Remove(_recent.Last!.Value.Key);
                _recent.RemoveLast();
            }
        }
        return entry;
    }
}
