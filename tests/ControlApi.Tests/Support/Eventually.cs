namespace ControlApi.Tests.Support;

/// <summary>Waits for a condition with a deadline — never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, Func<T?, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await probe();
            if (done(last)) return last!;
            await Task.Delay(50);
        }
        throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}; last value: {last}");
    }
}
