using Hangfire.Storage;
using Hangfire.Storage.SQLite;

namespace ControlApi.Jobs;

/// <summary>
/// Hangfire's SQLite storage whose idle workers sleep until a job is enqueued (<see cref="QueueWakeUps"/>)
/// instead of polling: its queue provider is the package's own with the wake-up around it, for every
/// queue (one provider, so any server may serve any mix of queues). The storage's
/// <see cref="SQLiteStorageOptions.QueuePollInterval"/> becomes the fallback: how long an idle worker
/// sleeps with no enqueue before it looks anyway — only for what no enqueue announces, a job whose
/// worker vanished coming back after the storage's invisibility timeout.
/// </summary>
internal sealed class WakingSQLiteStorage : SQLiteStorage
{
    private readonly SQLiteStorageOptions _options;
    private readonly PersistentJobQueueProviderCollection _queues;

    public WakingSQLiteStorage(string databasePath, SQLiteStorageOptions options) : base(databasePath, options)
    {
        _options = options;
        _queues = new PersistentJobQueueProviderCollection(new WakingQueueProvider(new SQLiteJobQueueProvider(options), WakeUps));
    }

    public QueueWakeUps WakeUps { get; } = new();

    // The package's connection and monitoring, over this storage's queue provider instead of its own.
    public override IStorageConnection GetConnection() => new HangfireSQLiteConnection(CreateAndOpenConnection(), _options, _queues);

    public override IMonitoringApi GetMonitoringApi() => new SQLiteMonitoringApi(this, _queues);

    private sealed class WakingQueueProvider(IPersistentJobQueueProvider inner, QueueWakeUps wakeUps) : IPersistentJobQueueProvider
    {
        public IPersistentJobQueue GetJobQueue(HangfireDbContext connection) => new WakingQueue(inner.GetJobQueue(connection), wakeUps);

        public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi(HangfireDbContext connection) => inner.GetJobQueueMonitoringApi(connection);
    }

    private sealed class WakingQueue(IPersistentJobQueue inner, QueueWakeUps wakeUps) : IPersistentJobQueue
    {
        public void Enqueue(string queue, string jobId)
        {
            // The package runs a write transaction's commands one by one, each committed on its own,
            // and Hangfire writes the Enqueued state before the queue row: a worker woken here
            // finds both.
            inner.Enqueue(queue, jobId);
            wakeUps.Pulse(queue);
        }

        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Taken before the package looks (see QueueWakeUps): its wait on the linked token
                // ends at the fallback poll, at shutdown, or at the next enqueue to these queues.
                var tokens = new CancellationToken[queues.Length + 1];
                tokens[0] = cancellationToken;
                for (var i = 0; i < queues.Length; i++) tokens[i + 1] = wakeUps.Next(queues[i]);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(tokens);
                try
                {
                    return inner.Dequeue(queues, wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Woken by an enqueue: look again.
                }
            }
        }
    }
}
