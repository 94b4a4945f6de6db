using ControlApi.Audit;
using ControlApi.Configuration;
using ControlApi.Core.Features;
using ControlApi.Core.Settings;
using ControlApi.Core.Validation;
using ControlApi.Revisions;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>
/// Runs a verified chat command for any platform: role check, then the same services the HTTP API
/// uses — changes through <see cref="ChangeService"/> (validation, revision, outbox, audit) with the
/// platform as actor and the chat user as <c>onBehalfOf</c>. Every command and every refusal is audited.
/// </summary>
public sealed class ChatCommandEngine(
    ClusterCatalog clusters,
    ChatUserDirectory users,
    RevisionReader revisions,
    ChangeService changes,
    RevisionRollback rollback,
    ChangePreviewer previewer,
    ILiveStatusSource live,
    Tracking.ClusterRepair repair,
    Tracking.RevisionRetrack retrack,
    Canary.CanaryPromotion promotion,
    Approvals.ApprovalService approvals,
    ChatAudit audit,
    IOptions<ChatopsOptions> options,
    IOptions<ControlApiOptions> service)
{
    private IReadOnlyCollection<string> ClusterIds => clusters.All.Select(c => c.Id).ToList();

    /// <summary>The cluster meant when a command names none: the configured default, else the only cluster.</summary>
    public string? DefaultCluster => options.Value.DefaultCluster is { Length: > 0 } configured ? configured
        : clusters.All.Count == 1 ? clusters.All[0].Id : null;

    public async Task<ChatReply> ExecuteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var command = ChatCommandParser.Parse(request.Text, ClusterIds);
        var role = users.RoleOf(request.Platform, request.User.Id);
        if (role is null || role < command.RequiredRole)
        {
            await audit.DeniedAsync(request, command, clusters.Find(command.Cluster ?? DefaultCluster ?? "")?.Id, role, cancellationToken);
            return role is null ? ChatReplies.NotAllowed(request) : ChatReplies.OperatorsOnly(request, command);
        }

        var reply = await RunAsync(command, request, cancellationToken);
        await audit.CommandAsync(request, command, reply, cancellationToken);
        return reply;
    }

    private async Task<ChatReply> RunAsync(ChatCommand command, ChatRequest request, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case ChatCommand.Help help:
                return ChatReplies.Help(help.Unknown, DefaultCluster, ClusterIds);
            case ChatCommand.Invalid invalid:
                return ChatReplies.Misused(invalid);
        }

        var name = command.Cluster ?? DefaultCluster;
        if (name is null) return ChatReplies.NameACluster(ClusterIds);
        if (clusters.Find(name) is not { } cluster) return ChatReplies.UnknownCluster(name, ClusterIds);

        var reply = command switch
        {
            ChatCommand.Status => await StatusAsync(cluster, cancellationToken),
            ChatCommand.Features => ChatReplies.Features(cluster, await revisions.CurrentAsync(cluster.Id, cancellationToken)),
            ChatCommand.History => await HistoryAsync(cluster, cancellationToken),
            ChatCommand.Plan plan => await PlanAsync(cluster, plan, cancellationToken),
            ChatCommand.Switch change => await SwitchAsync(cluster, change, request, cancellationToken),
            ChatCommand.Rollback back => await RollbackAsync(cluster, back, request, cancellationToken),
            ChatCommand.Repair asked => await RepairAsync(cluster, asked, request, cancellationToken),
            ChatCommand.Retrack again => await RetrackAsync(cluster, again, request, cancellationToken),
            ChatCommand.Promote promote => await PromoteAsync(cluster, promote, request, cancellationToken),
            ChatCommand.Approve approve => ChatApprovals.Decided(cluster, await approvals.ApproveAsync(cluster, approve.Revision, Approver(request), cancellationToken)),
            ChatCommand.Reject reject => ChatApprovals.Decided(cluster,
                await approvals.RejectAsync(cluster, reject.Revision, Approver(request), Reason(reject.Reason), cancellationToken)),
            _ => throw new InvalidOperationException($"Unhandled chat command {command.GetType().Name}."),
        };
        return reply with { Cluster = cluster.Id };
    }

    private async Task<ChatReply> StatusAsync(ManagedCluster cluster, CancellationToken cancellationToken) => ChatReplies.Status(
        cluster, await revisions.CurrentAsync(cluster.Id, cancellationToken), await live.DescribeAsync(cluster, cancellationToken));

    private async Task<ChatReply> HistoryAsync(ManagedCluster cluster, CancellationToken cancellationToken)
    {
        var length = Math.Clamp(options.Value.HistoryLength, 1, 50);
        // Each revision comes with what it changed against the one before it (as the API lists them).
        var page = await revisions.PageAsync(cluster.Id, length, null, cancellationToken);
        var entries = page.Items.Select(revision => (revision, revision.Changes ?? "…")).ToList();
        return ChatReplies.History(cluster, entries, page.Next is not null);
    }

    private async Task<ChatReply> PlanAsync(ManagedCluster cluster, ChatCommand.Plan plan, CancellationToken cancellationToken)
    {
        var feature = FeatureCatalog.Find(plan.Feature)!;
        var preview = await previewer.PreviewAsync(cluster, current => SettingsParseResult.Ok(feature.With(current, plan.Enable)), [feature.Member], cancellationToken);
        return preview switch
        {
            ChangePreview.Ready ready => ChatReplies.Plan(cluster, ready.Current.Number, plan,
                SettingsChanges.Phrases(ready.Current.Settings, ready.Desired), ready.Validation, ready.Values, ready.SideEffects, ready.Risk),
            ChangePreview.AdoptionRequired adopt => ChatReplies.AdoptFirst(cluster, adopt.Reason),
            ChangePreview.Malformed bad => ChatReplies.Failed(bad.Error),
            _ => throw new InvalidOperationException($"Unhandled change preview {preview.GetType().Name}."),
        };
    }

    private async Task<ChatReply> SwitchAsync(ManagedCluster cluster, ChatCommand.Switch change, ChatRequest request, CancellationToken cancellationToken)
    {
        var feature = FeatureCatalog.Find(change.Feature)!;
        var outcome = await changes.ApplyAsync(new ChangeRequest(
            cluster,
            current => SettingsParseResult.Ok(feature.With(current, change.Enable)),
            request.Platform,
            AuditSources.Chatops,
            Reason(change.Reason ?? $"{change.Verb} {feature.Name} from {request.Platform}"),
            OnBehalfOf(request.User),
            Person: Person(request.User)) { NamedMembers = [feature.Member], AuthenticatedPerson = users.PersonOf(request.Platform, request.User) }, cancellationToken);
        return await AnswerAsync(cluster, request, outcome, cancellationToken);
    }

    private async Task<ChatReply> RollbackAsync(ManagedCluster cluster, ChatCommand.Rollback back, ChatRequest request, CancellationToken cancellationToken)
    {
        var why = back.Reason is null ? null : Reason(back.Reason);
        var outcome = await rollback.ApplyAsync(cluster, back.Revision, request.Platform, AuditSources.Chatops, OnBehalfOf(request.User), why, cancellationToken,
            person: Person(request.User), authenticatedPerson: users.PersonOf(request.Platform, request.User));
        return outcome switch
        {
            RollbackOutcome.NoSuchRevision missing => ChatReplies.NoSuchRevision(cluster, missing.Target, missing.CurrentRevision),
            RollbackOutcome.NeverInEffect refused => ChatReplies.Failed(refused.Advice),
            RollbackOutcome.Ran ran => await AnswerAsync(cluster, request, ran.Change, cancellationToken),
            _ => throw new InvalidOperationException($"Unhandled rollback outcome {outcome.GetType().Name}."),
        };
    }

    private async Task<ChatReply> RepairAsync(ManagedCluster cluster, ChatCommand.Repair asked, ChatRequest request, CancellationToken cancellationToken)
    {
        var why = Reason(asked.Reason ?? $"repair from {request.Platform}");
        // As for changes: the platform is the actor, the chat user the person.
        var outcome = await repair.ApplyAsync(cluster, request.Platform, AuditSources.Chatops, why, cancellationToken, Person(request.User));
        return outcome switch
        {
            Tracking.RepairOutcome.Requested => ChatReplies.RepairRequested(cluster, request),
            Tracking.RepairOutcome.NotConnected => ChatReplies.Failed($"`{cluster.Id}` has no Kubernetes access configured, so Flux cannot be asked to re-apply the release."),
            Tracking.RepairOutcome.Unreachable unreachable => ChatReplies.Failed($"`{cluster.Id}` does not answer ({unreachable.Reason}); try again when `status {cluster.Id}` shows it reachable."),
            _ => throw new InvalidOperationException($"Unhandled repair outcome {outcome.GetType().Name}."),
        };
    }

    private async Task<ChatReply> PromoteAsync(ManagedCluster cluster, ChatCommand.Promote promote, ChatRequest request, CancellationToken cancellationToken)
    {
        var outcome = await promotion.ApplyAsync(cluster, promote.Revision, request.Platform, AuditSources.Chatops, cancellationToken, Person(request.User));
        return outcome switch
        {
            Canary.PromoteOutcome.Promoted promoted => ChatCanary.Promoted(cluster, promote.Revision, promoted.Revision.Canary?.NodeSelector ?? "", request),
            Canary.PromoteOutcome.NoSuchRevision missing => ChatReplies.NoSuchRevision(cluster, missing.Target, missing.CurrentRevision),
            Canary.PromoteOutcome.NotPromotable refused => ChatReplies.Failed(refused.Advice),
            _ => throw new InvalidOperationException($"Unhandled promote outcome {outcome.GetType().Name}."),
        };
    }

    private async Task<ChatReply> RetrackAsync(ManagedCluster cluster, ChatCommand.Retrack again, ChatRequest request, CancellationToken cancellationToken)
    {
        var outcome = await retrack.ApplyAsync(cluster, again.Revision, request.Platform, AuditSources.Chatops, cancellationToken, Person(request.User));
        return outcome switch
        {
            Tracking.RetrackOutcome.Started started => ChatReplies.Retracked(cluster, started.Number, started.State),
            Tracking.RetrackOutcome.NoSuchRevision missing => ChatReplies.NoSuchRevision(cluster, missing.Target, missing.CurrentRevision),
            Tracking.RetrackOutcome.NotTrackable refused => ChatReplies.Failed(refused.Advice),
            Tracking.RetrackOutcome.NotConnected => ChatReplies.Failed($"`{cluster.Id}` has no Kubernetes access configured: there is nothing to track."),
            _ => throw new InvalidOperationException($"Unhandled retrack outcome {outcome.GetType().Name}."),
        };
    }

    private async Task<ChatReply> AnswerAsync(ManagedCluster cluster, ChatRequest request, ChangeOutcome outcome, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case ChangeOutcome.Accepted held when held.Change.Revision.State == Core.Revisions.RevisionState.PendingApproval:
                return ChatApprovals.Pending(cluster, request, held.Change, held.Change.Revision.Changes ?? "new settings");
            case ChangeOutcome.Accepted accepted:
                var revision = accepted.Change.Revision;
                // Described against the revision it was built on (a held request in between never took effect).
                var before = revision.Changes is null ? await revisions.FindAsync(cluster.Id, await revisions.BaseOfAsync(cluster.Id, revision.Number, cancellationToken), cancellationToken) : null;
                var described = revision.Changes ?? (before is null ? "new settings" : SettingsChanges.Describe(before.Settings, revision.Settings));
                return ChatReplies.Accepted(cluster, request, accepted.Change, described);
            case ChangeOutcome.Unchanged unchanged:
                return ChatReplies.AlreadySo(cluster, unchanged.Change);
            case ChangeOutcome.Rejected rejected:
                return ChatReplies.Refused(cluster, rejected.Validation);
            case ChangeOutcome.Malformed malformed:
                return ChatReplies.Failed(malformed.Error);
            case ChangeOutcome.AdoptionRequired adopt:
                return ChatReplies.AdoptFirst(cluster, adopt.Reason);
            case ChangeOutcome.Blocked blocked:
                return ChatReplies.Blocked(cluster, blocked.Hold);
            case ChangeOutcome.OutsideWindow outside:
                return ChatReplies.OutsideWindow(cluster, outside.Window);
            case ChangeOutcome.Replayed replayed:
                return await AnswerAsync(cluster, request, replayed.First, cancellationToken);
            default:
                // Chat sends no If-Match or Idempotency-Key, so the remaining outcomes cannot happen here.
                return ChatReplies.Failed($"Unexpected outcome {outcome.GetType().Name}; nothing was changed.");
        }
    }

    /// <summary>The chat user as an approver: the mapped person (never a name they typed), the platform as actor, their chat role.</summary>
    private Approvals.ApprovalCaller Approver(ChatRequest request) => new(
        users.PersonOf(request.Platform, request.User), request.Platform, AuditSources.Chatops,
        users.RoleOf(request.Platform, request.User.Id) is { } role ? ChatRoles.ToRole(role) : Security.Role.Viewer);

    /// <summary>What a revision stores as its reason and on-behalf-of: one line, within the API's limits.</summary>
    private string Reason(string text) => OneLine(text, service.Value.Limits.MaxReasonLength);

    private string OnBehalfOf(ChatUser user) => OneLine(user.Display, service.Value.Limits.MaxOnBehalfOfLength);

    private string Person(ChatUser user) => OneLine(user.Person, service.Value.Limits.MaxOnBehalfOfLength);

    private static string OneLine(string text, int maxLength)
    {
        var line = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return line.Length > maxLength ? line[..(maxLength - 1)] + "…" : line;
    }
}
