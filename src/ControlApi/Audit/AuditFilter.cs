using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace ControlApi.Audit;

/// <summary>
/// Which audit events a reader wants. <see cref="Kind"/> is exact, or a prefix when it ends with
/// a dot (<c>flux.</c>); <see cref="Since"/> is inclusive and <see cref="Until"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    string? Cluster = null,
    string? Kind = null,
    int? Revision = null,
    string? Actor = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? Person = null)
{
    public static readonly AuditFilter None = new();

    public bool KindIsPrefix => Kind is { } kind && kind.EndsWith('.');
}

/// <summary>
/// The filter as query-string text, exactly as a caller sends it; <see cref="Parse"/> checks it.
/// Names are given so the OpenAPI document shows the lower camelCase names callers send.
/// </summary>
public sealed record AuditFilterQuery(
    [property: FromQuery(Name = "cluster")] string? Cluster,
    [property: FromQuery(Name = "kind")] string? Kind,
    [property: FromQuery(Name = "revision")] string? Revision,
    [property: FromQuery(Name = "actor")] string? Actor,
    [property: FromQuery(Name = "since")] string? Since,
    [property: FromQuery(Name = "until")] string? Until,
    [property: FromQuery(Name = "person")] string? Person = null)
{
    /// <summary>Parses every member; the error names the parameter and what a valid value looks like.</summary>
    public (AuditFilter? Filter, string? Parameter, string? Error) Parse()
    {
        var cluster = Empty(Cluster);
        var kind = Empty(Kind);
        if (kind is not null && (kind.Length > 64 || !AuditFilterFormats.Kind().IsMatch(kind)))
            return (null, "kind", $"kind '{kind}' is not an event kind (e.g. git.committed) or a prefix ending with a dot (e.g. flux.).");

        int? revision = null;
        if (Empty(Revision) is { } revisionText)
        {
            if (!int.TryParse(revisionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return (null, "revision", $"revision '{revisionText}' is not a revision number.");
            // Revision numbers count per cluster; without one, "revision 3" means nothing in particular.
            if (cluster is null) return (null, "revision", "revision needs cluster: revision numbers count per cluster.");
            revision = number;
        }

        var actor = Empty(Actor);
        if (actor is { Length: > 200 }) return (null, "actor", "actor is longer than 200 characters.");
        var person = Empty(Person);
        if (person is { Length: > 200 }) return (null, "person", "person is longer than 200 characters.");
        if (cluster is { Length: > 63 }) return (null, "cluster", "cluster is longer than 63 characters.");

        if (!TryInstant(Since, out var since)) return (null, "since", $"since '{Since}' is not an RFC 3339 time such as 2026-01-31T09:00:00Z.");
        if (!TryInstant(Until, out var until)) return (null, "until", $"until '{Until}' is not an RFC 3339 time such as 2026-01-31T17:00:00+01:00.");
        if (since is not null && until is not null && until < since) return (null, "until", "until is before since.");

        return (new AuditFilter(cluster, kind, revision, actor, since, until, person), null, null);
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool TryInstant(string? text, out DateTimeOffset? instant)
    {
        instant = null;
        if (Empty(text) is not { } value) return true;
        // RFC 3339 demands a date, a time and an offset; .NET alone would also take "tomorrow-ish" forms.
        if (!AuditFilterFormats.Rfc3339().IsMatch(value)) return false;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        instant = parsed.ToUniversalTime();
        return true;
    }
}

internal static partial class AuditFilterFormats
{
    [GeneratedRegex(@"\A[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?\z")]
    public static partial Regex Kind();

    [GeneratedRegex(@"\A\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})\z")]
    public static partial Regex Rfc3339();
}
