namespace ControlApi.Core.Observation;

/// <summary>
/// A bounded, evenly spread sample of agents for the routine poll, rotating from poll to poll so
/// every agent is asked now and then. Verification never samples: it asks every agent.
/// </summary>
public static class AgentSample
{
    public static IReadOnlyList<T> Pick<T>(IReadOnlyList<T> items, int size, long rotation)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (size <= 0) return [];
        if (items.Count <= size) return items;
        var step = (double)items.Count / size;
        var offset = (int)(Math.Abs(rotation) % items.Count);
        var picked = new List<T>(size);
        var seen = new HashSet<int>();
        for (var i = 0; i < size; i++)
        {
            var index = (offset + (int)(i * step)) % items.Count;
            if (seen.Add(index)) picked.Add(items[index]);
        }
        return picked;
    }
}
