using System.Globalization;
using ControlApi.Audit;
using ControlApi.Core.Governance;
using ControlApi.Core.Revisions;
using ControlApi.Data;
using ControlApi.Data.Entities;
using ControlApi.Revisions;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Governance;

/// <summary>
/// An admin's "commit now" for a change outside the window (<c>X-Change-Window-Override: &lt;reason&gt;</c>).
/// <paramref name="ByAdmin"/> says whether the caller may use it; the gate refuses it (403) otherwise.
/// </summary>
public sealed record WindowOverride(string Reason, bool ByAdmin)
{
    public const string Header = "X-Change-Window-Override";
}

/// <summary>What the change windows make of one change, decided inside its write turn.</summary>
public abstract record WindowDecision
{
    private WindowDecision() { }

    /// <summary>The change is committed at once: the window is open, or <paramref name="Override"/> says why it may go anyway.</summary>
    public sealed record Go(string? Override, WindowState Window) : WindowDecision;

    /// <summary>The window is closed and the policy schedules: the revision waits as Scheduled.</summary>
    public sealed record Wait(WindowState Window) : WindowDecision;

    /// <summary>The window is closed and the policy refuses changes outside it (423).</summary>
    public sealed record Refuse(WindowState Window) : WindowDecision;

    /// <summary>Someone other than an admin asked to override the window (403).</summary>
    public sealed record OverrideForbidden(string Actor) : WindowDecision;

    public bool Waits => this is Wait;
}

/// <summary>Sentences about change windows that people read, named once.</summary>
public static class WindowMessages
{
    public static string Opens(DateTimeOffset? at) =>
        at is { } when ? $"opens at {when.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}" : "does not open within a year";

    /// <summary>The timeline entry (and state reason) of a scheduled revision.</summary>
    public static string Waits(WindowState window) => $"Waits for the change window: it {Opens(window.NextOpen)} ({window.Why}).";

    public static string Refused(string cluster, WindowState window) =>
        $"Changes to {cluster} are refused outside its change window ({window.Why}); the window {Opens(window.NextOpen)}. Nothing was stored.";

    public static string RefusedAdvice(string cluster) =>
        $"Send the change again when the window is open (GET /api/v1/clusters/{cluster} shows policy.window), let an admin send it now with the {WindowOverride.Header}: <reason> header, "
        + $"or ask an admin to set outsideWindow to \"schedule\" (PUT /api/v1/clusters/{cluster}/policy) so changes wait for the window instead.";

    public static string OverrideForbidden(string actor) =>
        $"Only admins may send a change through a closed change window; '{actor}' is not an admin. Nothing was stored. "
        + $"Send the change without {WindowOverride.Header}: it waits for the window (or is refused, as the cluster's policy says), or ask an admin to send it.";

    public static string Released(WindowState window) => $"The change window opened ({window.Why}): released to be committed.";

    public static string ReleasedAfterPolicy => "The policy no longer keeps it out of a window: released to be committed.";

    public static string Overtaken(int newer) => $"Revision {newer} carries these settings and was sent without waiting for the change window; this one is not committed by itself.";

    public static string HeldBy(string hold) => $"The change window is open, but {hold} It goes when that is lifted, inside a window.";
}

/// <summary>
/// Judges a change against the cluster's change windows (Core <see cref="ChangeWindows"/>) on the
/// service clock, inside the change's write turn — the turn a policy replacement takes too, so a
/// change is judged against exactly one policy. <see cref="ChangeService"/> asks it once per change.
/// Automatic rollbacks always go: they undo a revision that broke the cluster, and waiting for
/// tonight's window would leave it broken (the override is audited as ControlApi's).
/// </summary>
public sealed class ChangeWindowGate(ControlApiDbContext db, ClusterPolicies policies, AuditLog audit, TimeProvider time)
{
    public const string AutomaticRollbackOverride = "automatic rollback of a failed revision: restoring the last verified settings does not wait for a window";

    public async Task<WindowDecision> DecideAsync(ChangeRequest request, CancellationToken cancellationToken)
    {
        // Asked for, but not the caller's to ask: refused whether or not the window is open, so the answer does not depend on the hour.
        if (request.WindowOverride is { ByAdmin: false }) return new WindowDecision.OverrideForbidden(request.Actor);
        var policy = (await policies.CurrentAsync(request.Cluster.Id, cancellationToken)).Policy;
        var window = ChangeWindows.Evaluate(policy.Windows, time.GetUtcNow());
        if (window.Open) return new WindowDecision.Go(null, window);
        if (request.Source == AuditSources.AutoRollback) return new WindowDecision.Go(AutomaticRollbackOverride, window);
        if (request.WindowOverride is { } admin) return new WindowDecision.Go(admin.Reason, window);
        return policy.OutsideWindow == OutsideWindow.Refuse ? new WindowDecision.Refuse(window) : new WindowDecision.Wait(window);
    }

    /// <summary>
    /// The outcome of a refused change (outside the window, or an override not allowed), with its
    /// <c>change.blocked</c> event; null when the change goes on. Nothing else is stored.
    /// </summary>
    public async Task<ChangeOutcome?> RefusalAsync(ChangeRequest request, WindowDecision decision, CancellationToken cancellationToken)
    {
        var clusterId = request.Cluster.Id;
        var (outcome, summary, details) = decision switch
        {
            WindowDecision.Refuse refuse => ((ChangeOutcome)new ChangeOutcome.OutsideWindow(refuse.Window),
                $"change to {clusterId} refused: outside the change window, which {WindowMessages.Opens(refuse.Window.NextOpen)}",
                (object)new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, window = refuse.Window.Why, nextOpen = refuse.Window.NextOpen }),
            WindowDecision.OverrideForbidden forbidden => (new ChangeOutcome.WindowOverrideForbidden(forbidden.Actor),
                $"change to {clusterId} refused: {forbidden.Actor} asked to override the change window but is not an admin",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, reason = request.Reason, windowOverride = request.WindowOverride?.Reason }),
            _ => (null, "", new { }),
        };
        if (outcome is null) return null;
        await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeBlocked, clusterId, null, request.Actor, request.Source, summary, details, request.PersonOrOnBehalfOf),
            cancellationToken);
        return outcome;
    }

    /// <summary>When a scheduled change goes (its window's next opening), for the answer; null when it goes now or the window does not open within a year.</summary>
    public static DateTimeOffset? ScheduledFor(WindowDecision decision) => decision is WindowDecision.Wait wait ? wait.Window.NextOpen : null;

    /// <summary>
    /// After a change that goes now is stored: an override is audited, and revisions still waiting
    /// for the window are superseded — the new revision was built on their settings and carries them,
    /// and committing them after it would put older settings back in the repository.
    /// </summary>
    public async Task AfterGoingAsync(ChangeRequest request, WindowDecision decision, Revision revision, CancellationToken cancellationToken)
    {
        if (decision is not WindowDecision.Go go) return;
        var now = time.GetUtcNow();
        if (go.Override is { } why)
        {
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.ChangeWindowOverridden, revision.ClusterId, revision.Number, request.Actor, request.Source,
                $"{revision.ClusterId} revision {revision.Number} sent outside the change window ({go.Window.Why}): {why}",
                new { onBehalfOf = request.OnBehalfOf, person = request.PersonOrOnBehalfOf, overrideReason = why, window = go.Window.Why, nextOpen = go.Window.NextOpen },
                request.PersonOrOnBehalfOf), cancellationToken);
        }
        await SupersedeWaitingAsync(revision.ClusterId, revision.Number, now, cancellationToken);
    }

    /// <summary>Scheduled revisions older than <paramref name="newer"/> become Superseded (inside the caller's write turn).</summary>
    public async Task SupersedeWaitingAsync(string clusterId, int newer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string scheduled = nameof(RevisionState.Scheduled);
        var waiting = await db.Revisions.Include(r => r.Timeline)
            .Where(r => r.ClusterId == clusterId && r.Number < newer && r.State == scheduled)
            .ToListAsync(cancellationToken);
        foreach (var older in waiting)
        {
            RevisionLifecycle.MoveTo(older, RevisionState.Superseded, now, WindowMessages.Overtaken(newer));
            await audit.AppendAsync(db, new AuditEntry(AuditKinds.RevisionSuperseded, clusterId, older.Number, AuditSources.System, AuditSources.System,
                $"{clusterId} revision {older.Number} superseded by revision {newer} before its change window opened",
                new { supersededBy = newer, scheduled = true }), cancellationToken);
        }
        if (waiting.Count > 0) await db.SaveChangesAsync(cancellationToken);
    }
}
