using System.Text.Json;
using ControlApi.Charts;
using ControlApi.Configuration;
using ControlApi.Core.Charts;
using ControlApi.Core.Rendering;
using ControlApi.Core.Settings;
using ControlApi.Core.Values;
using ControlApi.Data;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Revisions;

/// <summary>The chart a change is checked and described with, if it could be loaded.</summary>
public sealed record ChartContext(ChartDefinition? Chart, string? Error)
{
    public static ChartContext None { get; } = new(null, null);
}

/// <summary>
/// What a revision is compared with when its changes are listed: the files the revision before it
/// stands for — the repository's own files for an adopted revision, the render otherwise — and the
/// chart whose defaults make "unset" and "set to the default" the same value.
/// </summary>
public sealed class RevisionBaselines(ControlApiDbContext db, RevisionReader reader, ChartCatalog charts, RenderedFilesCache rendered)
{
    /// <summary>
    /// Loads the chart when the change may need it: extra values to check, or an adopted release whose
    /// unset values are the chart's defaults. Clusters that never had either never download anything.
    /// </summary>
    public async Task<ChartContext> ChartForAsync(ManagedCluster cluster, Func<CiliumSettings, SettingsParseResult> desire, CancellationToken cancellationToken)
    {
        var current = await reader.CurrentAsync(cluster.Id, cancellationToken);
        var preview = desire(current.Settings).Settings;
        var adopted = current.Number > 0 && current.Source == Audit.AuditSources.Adopt
            || await db.Revisions.AsNoTracking().AnyAsync(r => r.ClusterId == cluster.Id && r.Source == Audit.AuditSources.Adopt, cancellationToken);
        var chart = !adopted && !HasExtraValues(current.Settings) && (preview is null || !HasExtraValues(preview))
            ? ChartContext.None
            : await LoadAsync(cluster, preview ?? current.Settings, cancellationToken);
        // Rendered and read now, outside the write turn: DescribeAsync inside it finds them here unless a
        // change in between altered what this request's desire makes of the current settings.
        if (preview is not null) rendered.ValuesOf(cluster, preview, chart.Chart?.Defaults);
        return chart;
    }

    public async Task<ChartContext> LoadAsync(ManagedCluster cluster, CiliumSettings settings, CancellationToken cancellationToken)
    {
        var lookup = await charts.GetAsync(cluster.Profile.Chart.Repository, FluxResourceBuilder.ChartName,
            FluxResourceBuilder.EffectiveChartVersion(cluster.Profile, settings), cancellationToken);
        return new ChartContext(lookup.Chart, lookup.Error);
    }

    /// <summary>Every rendered value <paramref name="desired"/> changes against the revision <paramref name="current"/>.</summary>
    public async Task<IReadOnlyList<ValueChange>> DescribeAsync(
        ManagedCluster cluster, RevisionResource current, CiliumSettings desired, ChartContext chart, CancellationToken cancellationToken)
    {
        var defaults = chart.Chart?.Defaults;
        // The revision before is usually the previous change's render, read when that change was described.
        var before = await AdoptedFilesAsync(cluster, current, cancellationToken) is { } adopted
            ? ValueChanges.Read(cluster.Profile, adopted, defaults)
            : rendered.ValuesOf(cluster, current.Settings, defaults);
        var after = rendered.ValuesOf(cluster, desired, defaults);
        return ValueChanges.Between(before, after);
    }

    /// <summary>The files a revision stands for: what adoption found in the repository, or its render.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> FilesAsync(ManagedCluster cluster, RevisionResource revision, CancellationToken cancellationToken) =>
        await AdoptedFilesAsync(cluster, revision, cancellationToken) ?? rendered.FilesOf(cluster, revision.Settings);

    /// <summary>What adoption found in the repository for an adopted revision; null for a rendered one.</summary>
    private async Task<IReadOnlyDictionary<string, string?>?> AdoptedFilesAsync(ManagedCluster cluster, RevisionResource revision, CancellationToken cancellationToken)
    {
        if (revision.Number <= 0) return null;
        var adopted = await db.Revisions.AsNoTracking()
            .Where(r => r.ClusterId == cluster.Id && r.Number == revision.Number)
            .Select(r => r.AdoptedFilesJson)
            .FirstOrDefaultAsync(cancellationToken);
        return adopted is null ? null : JsonSerializer.Deserialize<Dictionary<string, string?>>(adopted) ?? [];
    }

    private static bool HasExtraValues(CiliumSettings settings) =>
        settings.ExtraValues.ValueKind == JsonValueKind.Object && settings.ExtraValues.EnumerateObject().Any();
}
