using System.Text.Json;
using ControlApi.Configuration;
using ControlApi.Core.Features;
using ControlApi.Core.Settings;
using ControlApi.Http;
using ControlApi.Revisions;
using ControlApi.Security;
using ControlApi.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Cilium;

/// <summary>Features by name (SPEC §2): the switchboard for scripts and chat.</summary>
public static class FeaturesApi
{
    public static RouteGroupBuilder MapFeaturesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/features").WithTags("Features");

        group.MapGet("", ListFeatures)
            .WithName("ListFeatures")
            .WithDescription("The features ControlApi switches by name (encryption, host-firewall, …): desired on or off in the current revision, live on or off from the latest observation (null when not observed), and what each one does.")
            .WithSummary("Each feature, desired and live.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{feature}", SwitchFeature)
            .WithName("SwitchFeature")
            .WithDescription("Send {\"enabled\": true|false}. The feature's settings members are set as a merge patch would set them, validated like any change, stored as a new revision and committed in the background (202 + Location). 200 when the feature already is in that state. An unknown feature answers 404 listing the known ones.")
            .RequireRole(Role.Operator)
            .WithSummary("Turn one feature on or off; a change like any other (validation, revision, commit).")
            .Accepts<FeatureSwitch>("application/json")
            .WithChangeProblems();

        return api;
    }

    public static async Task<Results<Ok<FeatureList>, ProblemHttpResult>> ListFeatures(
        string cluster, ClusterCatalog clusters, RevisionReader revisions, ObservationReader observations, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var current = await revisions.CurrentCommittedAsync(managed.Id, cancellationToken);
        // Live is what the last poll saw (null: not connected, not observed, or not readable).
        var latest = managed.Kubernetes.IsConfigured ? await observations.LatestAsync(managed.Id, cancellationToken) : null;
        var live = latest?.Snapshot?.LiveFeatures;
        return TypedResults.Ok(new FeatureList(managed.Id, current.Number,
            FeatureCatalog.All.Select(f => new FeatureState(f.Name, f.IsEnabled(current.Settings), f.Description)
            {
                Live = live is not null && live.TryGetValue(f.Name, out var on) ? on : null,
            }).ToList())
        {
            ObservedAt = latest?.ObservedAt,
        });
    }

    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult>> SwitchFeature(
        string cluster, string feature, HttpContext context, ClusterCatalog clusters, ChangeService changes, IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (FeatureCatalog.Find(feature) is not { } known) return Problems.FeatureNotFound(feature, FeatureCatalog.Names);
        if (!RequestBody.HasMediaType(context.Request, "application/json"))
            return Problems.UnsupportedMediaType(context.Request.ContentType, "application/json, e.g. {\"enabled\": true}");

        var limits = options.Value.Limits;
        byte[] body;
        try
        {
            body = await RequestBody.ReadAsync(context.Request, limits.MaxSettingsBodyBytes, cancellationToken);
        }
        catch (RequestBody.TooLargeException ex)
        {
            return Problems.PayloadTooLarge(ex.Limit);
        }

        FeatureSwitch? request;
        try
        {
            request = JsonSerializer.Deserialize<FeatureSwitch>(body, SettingsJson.Options);
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest("malformed-feature-switch", "The feature switch could not be read",
                "Send {\"enabled\": true} or {\"enabled\": false} and nothing else.", SettingsJson.ToPointer(ex.Path));
        }
        if (request?.Enabled is not { } enabled)
            return Problems.BadRequest("malformed-feature-switch", "The feature switch could not be read",
                "Send {\"enabled\": true} or {\"enabled\": false}; 'enabled' is required.", "/enabled");

        return await ChangeEndpoint.RunAsync(context, managed, body,
            current => SettingsParseResult.Ok(known.With(current, enabled)), changes, limits, cancellationToken, [known.Member]);
    }
}

/// <summary>Body of <c>PUT /features/{feature}</c>.</summary>
public sealed record FeatureSwitch(bool? Enabled);

/// <param name="Enabled">Desired, in the current revision.</param>
public sealed record FeatureState(string Name, bool Enabled, string Description)
{
    /// <summary>On in the live cluster at the latest observation; null when unknown.</summary>
    public bool? Live { get; init; }
}

public sealed record FeatureList(string Cluster, int Revision, IReadOnlyList<FeatureState> Features)
{
    /// <summary>When the live states were observed; null when the cluster is not connected or not observed yet.</summary>
    public DateTimeOffset? ObservedAt { get; init; }
}
