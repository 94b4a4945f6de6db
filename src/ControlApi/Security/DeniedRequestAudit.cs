using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Hosting;
using ControlApi.Persistence;
using Microsoft.Extensions.Options;

namespace ControlApi.Security;

/// <summary>
/// One refused request, as the audit trail records it. <paramref name="Actor"/> and
/// <paramref name="Source"/> let endpoints that authenticate otherwise (chat signatures) say who was refused.
/// </summary>
public sealed record DeniedRequest(int Status, string Reason, string Method, string Route, string Path, string RemoteAddress,
    string? KeyId, string? KeyName, Role? RequiredRole, string? Actor = null, string Source = AuditSources.Api);

/// <summary>
/// Writes <c>auth.denied</c> events, capped so a flood cannot fill the audit log: in each window at
/// most <c>PerAddress</c> events per address and <c>Total</c> overall. The rest are only counted, and
/// when the window closes (or the service stops) one <c>auth.denied_suppressed</c> event says how many
/// were left out and from where.
/// </summary>
public sealed class DeniedRequestAudit(
    IServiceScopeFactory scopes,
    WriteTurns writeTurns,
    AuditLog audit,
    IOptions<SecurityOptions> options,
    TimeProvider time,
    ILogger<DeniedRequestAudit> logger) : BackgroundService
{
    /// <summary>The summary lists the busiest addresses only; the count covers all of them.</summary>
    private const int SummaryAddresses = 20;

    /// <summary>Addresses counted one by one per window; beyond this they share one entry, so memory stays bounded.</summary>
    private const int TrackedAddresses = 1000;
    private const string OtherAddresses = "other";

    private readonly DeniedAuditOptions _limits = options.Value.DeniedAudit;
    private readonly Lock _lock = new();
    private WindowCounts _window = new(time.GetUtcNow());

    /// <summary>Writes the event unless the cap is reached; returns whether it was written.</summary>
    public async Task<bool> RecordAsync(DeniedRequest denial, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_window.TryAdmit(denial.RemoteAddress, _limits)) return false;
        }

        var who = denial.Actor ?? denial.KeyName ?? "anonymous";
        var summary = $"{denial.Status} {denial.Method} {denial.Route} from {denial.RemoteAddress}: {denial.Reason}";
        await AppendAsync(new AuditEntry(AuditKinds.AuthDenied, null, null, who, denial.Source, summary, new
        {
            status = denial.Status,
            reason = denial.Reason,
            method = denial.Method,
            route = denial.Route,
            path = denial.Path,
            remoteAddress = denial.RemoteAddress,
            keyId = denial.KeyId,
            requiredRole = denial.RequiredRole?.Name(),
        }), cancellationToken);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_limits.Window, time);
        try
        {
            while (await timer.WaitForNextTickThenYieldAsync(stoppingToken))
                await CloseWindowAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the last summary.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await CloseWindowAsync(cancellationToken);
    }

    private async Task CloseWindowAsync(CancellationToken cancellationToken)
    {
        WindowCounts closed;
        lock (_lock)
        {
            closed = _window;
            _window = new WindowCounts(time.GetUtcNow());
        }
        if (closed.SuppressedTotal == 0) return;

        var busiest = closed.Suppressed.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(SummaryAddresses).ToDictionary(p => p.Key, p => p.Value);
        try
        {
            await AppendAsync(new AuditEntry(AuditKinds.AuthDeniedSuppressed, null, null, "system", AuditSources.System,
                $"suppressed {closed.SuppressedTotal} denials from {closed.Suppressed.Count} address(es) to keep the audit log bounded",
                new { suppressed = closed.SuppressedTotal, addresses = busiest, from = closed.StartedAt, until = time.GetUtcNow() }),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The counts are lost, not the service: say so in the log.
            logger.LogError(ex, "Could not write the summary of {Suppressed} suppressed denials", closed.SuppressedTotal);
        }
    }

    private async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        await audit.AppendAsync(db, entry, cancellationToken);
        await turn.CommitAsync(cancellationToken);
    }

    private sealed class WindowCounts(DateTimeOffset startedAt)
    {
        private readonly Dictionary<string, int> _written = new(StringComparer.Ordinal);
        private int _writtenTotal;

        public DateTimeOffset StartedAt { get; } = startedAt;
        public Dictionary<string, int> Suppressed { get; } = new(StringComparer.Ordinal);
        public int SuppressedTotal { get; private set; }

        public bool TryAdmit(string address, DeniedAuditOptions limits)
        {
            var written = _written.GetValueOrDefault(address);
            if (written < limits.PerAddress && _writtenTotal < limits.Total)
            {
                _written[address] = written + 1;
                _writtenTotal++;
                return true;
            }
            var counted = Suppressed.Count < TrackedAddresses || Suppressed.ContainsKey(address) ? address : OtherAddresses;
            Suppressed[counted] = Suppressed.GetValueOrDefault(counted) + 1;
            SuppressedTotal++;
            return false;
        }
    }
}
