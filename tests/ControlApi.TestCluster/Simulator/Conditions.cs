using System.Text.Json.Nodes;
using ControlApi.TestCluster.Api;

namespace ControlApi.TestCluster.Simulator;

/// <summary><c>status.conditions</c> the way Flux's runtime sets them: <c>lastTransitionTime</c> moves only when the status flips.</summary>
internal static class Conditions
{
    public static void Set(JsonObject obj, string type, string status, string reason, string message, DateTimeOffset now)
    {
        var statusObject = obj["status"] as JsonObject ?? new JsonObject();
        obj["status"] = statusObject;
        var conditions = statusObject["conditions"] as JsonArray ?? new JsonArray();
        statusObject["conditions"] = conditions;
        var generation = obj["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        var transition = existing is not null && existing["status"]?.GetValue<string>() == status
            ? existing["lastTransitionTime"]?.GetValue<string>() ?? KubeTime.Format(now)
            : KubeTime.Format(now);
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
        if (existing is null)
        {
            // Flux keeps Ready first.
            if (type == "Ready") conditions.Insert(0, condition);
            else conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    public static void Remove(JsonObject obj, string type)
    {
        if (obj["status"]?["conditions"] is not JsonArray conditions) return;
        foreach (var condition in conditions.OfType<JsonObject>().Where(c => c["type"]?.GetValue<string>() == type).ToArray())
            conditions.Remove(condition);
    }

    public static JsonObject? Find(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    /// <summary>kstatus "Current" for a Flux object: observed generation, Ready=True at it, not reconciling or stalled.</summary>
    public static bool IsCurrent(JsonObject obj)
    {
        var generation = obj["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var observed = obj["status"]?["observedGeneration"]?.GetValue<long>() ?? -1;
        var ready = Find(obj, "Ready");
        return observed == generation
            && ready?["status"]?.GetValue<string>() == "True"
            && (ready["observedGeneration"]?.GetValue<long>() ?? generation) == generation
            && Find(obj, "Reconciling")?["status"]?.GetValue<string>() != "True"
            && Find(obj, "Stalled")?["status"]?.GetValue<string>() != "True";
    }
}

/// <summary>A "something changed" signal that wakes whoever waits on it (latest wins; no queue).</summary>
internal sealed class Pulse
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Signal()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Completes at the next <see cref="Signal"/>; grab it before checking state so no signal is missed.</summary>
    public Task Next
    {
        get { lock (_gate) return _next.Task; }
    }
}
