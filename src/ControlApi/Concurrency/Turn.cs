namespace ControlApi.Concurrency;

/// <summary>Waits for a semaphore and hands back a disposable that releases it exactly once.</summary>
public static class Turn
{
    public static async Task<IDisposable> TakeAsync(SemaphoreSlim semaphore, CancellationToken cancellationToken)
    {
        await semaphore.WaitAsync(cancellationToken);
        return new Release(semaphore);
    }

    private sealed class Release(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) semaphore.Release();
        }
    }
}
