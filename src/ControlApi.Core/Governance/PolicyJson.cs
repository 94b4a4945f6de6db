using System.Text.Json;
using System.Text.Json.Serialization;

namespace ControlApi.Core.Governance;

/// <summary>A policy read from JSON, or where and why it could not be.</summary>
public sealed record PolicyParseResult(ClusterPolicy? Policy, string? Pointer, string? Error)
{
    public static PolicyParseResult Ok(ClusterPolicy policy) => new(policy, null, null);
    public static PolicyParseResult Fail(string pointer, string error) => new(null, pointer, error);
}

/// <summary>
/// The JSON contract of <see cref="ClusterPolicy"/>, strict like the settings': camelCase, enums as
/// strings, durations as <c>d.hh:mm:ss</c>, unknown members and duplicates refused.
/// </summary>
public static class PolicyJson
{
    public const int MaxApprovals = 10;
    public const int MaxWindows = 20;
    public static TimeSpan MaxExpiry { get; } = TimeSpan.FromDays(30);

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowDuplicateProperties = false,
            RespectNullableAnnotations = true,
            NumberHandling = JsonNumberHandling.Strict,
            MaxDepth = 8,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize(ClusterPolicy policy) => JsonSerializer.Serialize(policy, Options);

    public static PolicyParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        ClusterPolicy? policy;
        try
        {
            policy = JsonSerializer.Deserialize<ClusterPolicy>(utf8Json, Options);
        }
        catch (JsonException ex)
        {
            var pointer = "/" + (ex.Path ?? "$").TrimStart('$', '.').Replace('.', '/').Replace("[", "/", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);
            return PolicyParseResult.Fail(pointer == "/" ? "" : pointer, $"The policy could not be read: {ex.Message.Split(" Path:")[0]} Durations are written \"1.00:00:00\" (a day) or \"02:00:00\".");
        }
        if (policy is null) return PolicyParseResult.Fail("", "The body must be a JSON object with the policy, not null.");
        return Check(policy) is { } failed ? failed : PolicyParseResult.Ok(policy);
    }

    private static PolicyParseResult? Check(ClusterPolicy policy)
    {
        foreach (var (name, value) in new[] { ("dangerous", policy.Approvals.Dangerous), ("disruptive", policy.Approvals.Disruptive), ("routine", policy.Approvals.Routine) })
        {
            if (value is < 0 or > MaxApprovals)
                return PolicyParseResult.Fail($"/approvals/{name}", $"approvals.{name} must be between 0 (no approval) and {MaxApprovals}.");
        }
        if (policy.Approvals.ExpiresAfter <= TimeSpan.Zero || policy.Approvals.ExpiresAfter > MaxExpiry)
            return PolicyParseResult.Fail("/approvals/expiresAfter", $"approvals.expiresAfter must be positive and at most {MaxExpiry.TotalDays} days, e.g. \"1.00:00:00\".");
        if (policy.Windows.Count > MaxWindows)
            return PolicyParseResult.Fail("/windows", $"At most {MaxWindows} windows.");
        for (var i = 0; i < policy.Windows.Count; i++)
        {
            if (ChangeWindows.Problem(policy.Windows[i]) is { } problem)
                return PolicyParseResult.Fail($"/windows/{i}", $"windows[{i}]: {problem}.");
        }
        return null;
    }
}
