using System.Text.Json;
using System.Text.Json.Nodes;
using ControlApi.Configuration;
using ControlApi.Core.Json;
using ControlApi.Core.LiveState;
using ControlApi.Core.Rendering;
using ControlApi.Core.Revisions;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Http;
using ControlApi.Revisions;
using ControlApi.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Cilium;

/// <summary>The desired Cilium settings of a cluster: read, replace, merge-patch, plan.</summary>
public static class CiliumApi
{
    public const string MergePatchMediaType = "application/merge-patch+json";

    public static RouteGroupBuilder MapCiliumApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/clusters/{cluster}/cilium").WithTags("Cilium settings");

        group.MapGet("", GetSettings)
            .WithName("GetCiliumSettings")
            .WithRevisionETag()
            .WithDescription("The settings of the cluster's current revision with its number and state. The ETag header is the revision; send it back as If-Match on PUT or PATCH so a change made meanwhile is refused (412) instead of overwritten.")
            .WithSummary("The desired Cilium settings and the revision holding them (ETag = revision).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("", PutSettings)
            .WithName("PutCiliumSettings")
            .WithDescription("The body is the whole CiliumSettings object; members left out take their defaults. Validated against every rule (422 lists each error with its JSON pointer), stored as a new revision, committed to the GitOps repository in the background. 202 with Location (the new revision) and ETag; 200 when nothing changes.")
            .RequireRole(Role.Operator)
            .WithSummary("Replace the desired settings; a new revision is accepted and committed in the background.")
            .Accepts<CiliumSettings>("application/json")
            .WithChangeProblems();

        group.MapPatch("", PatchSettings)
            .WithName("PatchCiliumSettings")
            .WithDescription("Content-Type application/merge-patch+json: members sent replace, nested objects merge, null resets a member to its default, members left out stay. Validated and stored like PUT: 202 with Location and ETag; 200 when nothing changes.")
            .RequireRole(Role.Operator)
            .WithSummary("Change some settings with a JSON merge patch (RFC 7396); null resets a member to its default.")
            .Accepts<JsonObject>(MergePatchMediaType)
            .WithChangeProblems();

        group.MapGet("/manifests", GetManifests)
            .WithName("GetCiliumManifests")
            .WithRevisionETag()
            .WithDescription("Each file ControlApi renders for the revision (HelmRelease values, Talos patch, …) with its path in the GitOps repository and its exact content. ?revision=0 renders the defaults. The ETag header names the revision rendered.")
            .WithSummary("The files rendered from the current revision (or ?revision=n): repository path and exact content.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/plan", Plan)
            .WithName("PlanCiliumSettings")
            .WithDescription("Takes full settings (application/json) or a merge patch (application/merge-patch+json) and answers what the change would do: errors and warnings, the normalized settings, the rendered files and their diff against the repository head, and the expected live state. Nothing is stored or committed.")
            .RequireRole(Role.Operator)
            .WithSummary("What a change would do, without storing anything.")
            .Accepts<CiliumSettings>("application/json", MergePatchMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        return api;
    }

    public static async Task<Results<Ok<DesiredSettingsResource>, ProblemHttpResult>> GetSettings(
        string cluster, HttpContext context, ClusterCatalog clusters, RevisionReader revisions, Adoption.AdoptionStatus adoption, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var current = await revisions.CurrentCommittedAsync(managed.Id, cancellationToken);
        var state = await adoption.GetAsync(managed, fresh: false, cancellationToken);
        context.Response.Headers.ETag = ETags.ForRevision(current.Number);
        // Before adoption nobody knows what the release holds in ControlApi's terms: not "the defaults".
        var known = state is not Adoption.AdoptionState.Unadopted || current.Number > 0;
        return TypedResults.Ok(new DesiredSettingsResource(managed.Id, current.Number, current.State, known ? current.Settings : null)
        {
            Adoption = Adoption.AdoptionResource.From(managed.Id, state),
        });
    }

    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult>> PutSettings(
        string cluster, HttpContext context, ClusterCatalog clusters, ChangeService changes, IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (!RequestBody.HasMediaType(context.Request, "application/json"))
            return Problems.UnsupportedMediaType(context.Request.ContentType, "application/json with the full settings (or PATCH with application/merge-patch+json)");

        var limits = options.Value.Limits;
        var body = await ReadBodyAsync(context, limits, cancellationToken);
        if (body.Problem is { } tooLarge) return tooLarge;

        var parsed = SettingsJson.Parse(body.Bytes);
        if (parsed.Settings is null) return Problems.BadRequest("malformed-settings", "The settings could not be read", parsed.Error!, parsed.Pointer);
        return await ChangeEndpoint.RunAsync(context, managed, body.Bytes, _ => parsed, changes, limits, cancellationToken);
    }

    public static async Task<Results<Accepted<ChangeResource>, Ok<ChangeResource>, ProblemHttpResult>> PatchSettings(
        string cluster, HttpContext context, ClusterCatalog clusters, ChangeService changes, IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        if (!RequestBody.HasMediaType(context.Request, MergePatchMediaType))
            return Problems.UnsupportedMediaType(context.Request.ContentType, MergePatchMediaType);

        var limits = options.Value.Limits;
        var body = await ReadBodyAsync(context, limits, cancellationToken);
        if (body.Problem is { } tooLarge) return tooLarge;

        var patch = ParsePatch(body.Bytes);
        if (patch.Problem is { } malformed) return malformed;
        return await ChangeEndpoint.RunAsync(context, managed, body.Bytes, current => Merge(current, patch.Patch!), changes, limits, cancellationToken,
            Core.Values.SideEffects.PatchMembers(JsonSerializer.SerializeToElement(patch.Patch)));
    }

    public static async Task<Results<Ok<IReadOnlyList<ManagedFile>>, ProblemHttpResult>> GetManifests(
        string cluster, HttpContext context, ClusterCatalog clusters, RevisionReader revisions, CancellationToken cancellationToken, int? revision = null)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var current = await revisions.CurrentCommittedAsync(managed.Id, cancellationToken);
        var chosen = revision is { } number ? await revisions.FindAsync(managed.Id, number, cancellationToken) : current;
        if (chosen is null) return Problems.RevisionNotFound(managed.Id, revision!.Value, current.Number);
        context.Response.Headers.ETag = ETags.ForRevision(chosen.Number);
        return TypedResults.Ok(ManifestRenderer.Render(managed.Profile, chosen.Settings).Files);
    }

    public static async Task<Results<Ok<PlanResource>, ProblemHttpResult>> Plan(
        string cluster, HttpContext context, ClusterCatalog clusters, ChangePreviewer previewer, ManifestPlanner planner,
        IOptions<ControlApiOptions> options, CancellationToken cancellationToken)
    {
        if (clusters.Find(cluster) is not { } managed) return Problems.ClusterNotFound(cluster, clusters.All.Select(c => c.Id));
        var isPatch = RequestBody.HasMediaType(context.Request, MergePatchMediaType);
        if (!isPatch && !RequestBody.HasMediaType(context.Request, "application/json"))
            return Problems.UnsupportedMediaType(context.Request.ContentType, $"application/json (full settings) or {MergePatchMediaType}");

        var body = await ReadBodyAsync(context, options.Value.Limits, cancellationToken);
        if (body.Problem is { } tooLarge) return tooLarge;

        Func<CiliumSettings, SettingsParseResult> desire;
        IReadOnlyList<string>? named = null;
        if (isPatch)
        {
            var patch = ParsePatch(body.Bytes);
            if (patch.Problem is { } malformed) return malformed;
            desire = current => Merge(current, patch.Patch!);
            named = Core.Values.SideEffects.PatchMembers(JsonSerializer.SerializeToElement(patch.Patch));
        }
        else
        {
            var parsed = SettingsJson.Parse(body.Bytes);
            desire = _ => parsed;
        }

        switch (await previewer.PreviewAsync(managed, desire, named, cancellationToken))
        {
            case ChangePreview.AdoptionRequired adopt:
                return Problems.AdoptFirst(managed.Id, adopt.Reason);
            case ChangePreview.Malformed bad:
                return Problems.BadRequest("malformed-settings", "The settings could not be read", bad.Error, bad.Pointer);
            case ChangePreview.Ready { Current: var current, Desired: var settings, Validation: var validation } preview:
                // Settings the rules refuse are not rendered: they will never reach the repository.
                var rendered = validation.IsValid ? ManifestRenderer.Render(managed.Profile, settings) : null;
                var repository = rendered is null ? null : await planner.CompareAsync(managed, rendered, cancellationToken);
                return TypedResults.Ok(new PlanResource(
                    managed.Id,
                    current.Number,
                    validation.IsValid,
                    repository is { Error: null } ? repository.Identical : settings.SameAs(current.Settings),
                    SettingsChanges.Phrases(current.Settings, settings),
                    validation.Errors.Select(IssueResource.From).ToList(),
                    validation.Warnings.Select(IssueResource.From).ToList(),
                    settings,
                    rendered?.Files ?? [],
                    repository,
                    rendered is null ? null : ExpectedLiveState.From(managed.Profile, settings))
                {
                    Values = preview.Values,
                    SideEffects = preview.SideEffects,
                    Risk = preview.Risk,
                });
            default:
                throw new InvalidOperationException("Unhandled change preview.");
        }
    }

    private static SettingsParseResult Merge(CiliumSettings current, JsonObject patch)
    {
        var merged = JsonMergePatch.Apply(JsonSerializer.SerializeToNode(current, SettingsJson.Options), patch);
        return SettingsJson.Parse(JsonSerializer.SerializeToUtf8Bytes(merged, SettingsJson.Options));
    }

    private static (JsonObject? Patch, ProblemHttpResult? Problem) ParsePatch(byte[] body)
    {
        try
        {
            var node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 16 });
            return node is JsonObject patch
                ? (patch, null)
                : (null, Problems.BadRequest("malformed-patch", "The merge patch is not an object",
                    "A JSON merge patch for the settings must be a JSON object, e.g. {\"hostFirewall\":{\"enabled\":true}}.", ""));
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest("malformed-patch", "The merge patch is not valid JSON",
                $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}); send a JSON object.", SettingsJson.ToPointer(ex.Path)));
        }
    }

    private static async Task<(byte[] Bytes, ProblemHttpResult? Problem)> ReadBodyAsync(HttpContext context, RequestLimitOptions limits, CancellationToken cancellationToken)
    {
        try
        {
            return (await RequestBody.ReadAsync(context.Request, limits.MaxSettingsBodyBytes, cancellationToken), null);
        }
        catch (RequestBody.TooLargeException ex)
        {
            return ([], Problems.PayloadTooLarge(ex.Limit));
        }
    }

}

/// <summary>
/// What a change would do, computed without side effects. <c>NoChange</c> is true when the rendered
/// files equal the repository head (nothing would be committed); when the repository cannot be read
/// it falls back to comparing with the current revision's settings.
/// </summary>
public sealed record PlanResource(
    string Cluster,
    int BaseRevision,
    bool Valid,
    bool NoChange,
    IReadOnlyList<string> Changes,
    IReadOnlyList<IssueResource> Errors,
    IReadOnlyList<IssueResource> Warnings,
    CiliumSettings Settings,
    IReadOnlyList<ManagedFile> Files,
    RepositoryComparison? Repository,
    ExpectedLiveState? ExpectedLiveState)
{
    /// <summary>How much the change can hurt the running cluster (routine, disruptive, dangerous) and why.</summary>
    public RiskAssessment Risk { get; init; } = RiskAssessment.Routine;

    /// <summary>Every rendered value the change would alter against the current revision: Helm values paths, Talos patch keys, other fields.</summary>
    public IReadOnlyList<Core.Values.ValueChange> Values { get; init; } = [];

    /// <summary>The values among them that the request did not name.</summary>
    public IReadOnlyList<Core.Values.ValueChange> SideEffects { get; init; } = [];
}
