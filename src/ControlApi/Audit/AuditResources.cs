using System.Text.Json;
using ControlApi.Data.Entities;

namespace ControlApi.Audit;

/// <summary>An audit event as the API shows it; <see cref="Details"/> is the stored JSON object.</summary>
public sealed record AuditEventResource(
    long Id,
    DateTimeOffset Time,
    string? Cluster,
    int? Revision,
    string Kind,
    string Actor,
    string Source,
    string Summary,
    JsonElement Details,
    string PreviousHash,
    string Hash)
{
    /// <summary>The human behind a bot or chat actor (X-On-Behalf-Of, the chat user), when there is one.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Person { get; init; }

    public static AuditEventResource From(AuditEvent e) => new(
        e.Id, AuditLog.InstantOf(e), e.ClusterId, e.Revision, e.Kind, e.Actor, e.Source, e.Summary,
        ParseDetails(e.DetailsJson), e.PreviousHash, e.Hash) { Person = e.Person };

    /// <summary>Details as a JSON element; a row whose details are not JSON (tampered) shows them as a string.</summary>
    public static JsonElement ParseDetails(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}

/// <summary>One page of audit events, newest first; <c>next</c> is an opaque cursor or null at the end.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEventResource> Items, string? Next);

/// <summary>
/// The answer of <c>GET /audit/verify</c>. <see cref="FirstBrokenId"/> is the first event whose own
/// hash does not match its content (edited) or whose previous hash is not the prior event's hash
/// (an event before it was removed, or events were reordered). A removed tail is not visible in the
/// chain itself: compare <see cref="LastId"/>/<see cref="LastHash"/> with a value you kept.
/// </summary>
public sealed record AuditVerification(bool Ok, long Checked, long? FirstBrokenId, string? Problem, long? LastId, string? LastHash);
