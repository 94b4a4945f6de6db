using ControlApi.Core.Values;
using ControlApi.Configuration;
using ControlApi.Core.Features;
using ControlApi.Core.Revisions;
using ControlApi.Core.Validation;
using ControlApi.Revisions;
using static ControlApi.Chatops.ChatMessages;

using ControlApi.Tracking;

namespace ControlApi.Chatops;

/// <summary>The answers chat gets, one builder per situation, so wording lives in one place.</summary>
public static class ChatReplies
{
    public static ChatReply Help(string? unknown, string? defaultCluster, IReadOnlyCollection<string> clusters) => new(
        ChatVisibility.OnlyYou,
        unknown is null ? ChatTone.Info : ChatTone.Warning,
        unknown is null ? "ControlApi commands" : $"I don't know {Code(unknown, 40)}. These are the commands:",
        [
            new ChatBlock.Bullets(ChatVerbs.All.Select(c => $"`{c.Usage}` — {c.Meaning}").ToList()),
            new ChatBlock.Paragraph($"Features: {FeatureList}."),
            new ChatBlock.Note(defaultCluster is null
                ? $"No default cluster: name one of {ClusterList(clusters)}."
                : $"Default cluster: `{defaultCluster}`. Clusters: {ClusterList(clusters)}."),
        ]);

    public static ChatReply Misused(ChatCommand.Invalid invalid) => new(
        ChatVisibility.OnlyYou, ChatTone.Warning, $"That is not how `{invalid.Command}` works",
        [
            new ChatBlock.Paragraph(invalid.Problem),
            new ChatBlock.Note($"Usage: `{ChatVerbs.Usage(invalid.Command)}`. Features: {FeatureList}."),
        ]);

    public static ChatReply NotAllowed(ChatRequest request) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, "You may not use ControlApi from chat",
        [
            new ChatBlock.Paragraph($"Ask an administrator to give your {request.Platform} user id {Code(request.User.Id)} a role in `ControlApi:Chatops:Users:{request.Platform}`."),
            new ChatBlock.Note(AuditedRefusal),
        ]);

    public static ChatReply OperatorsOnly(ChatRequest request, ChatCommand command) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, $"`{command.Verb}` needs the operator role",
        [
            new ChatBlock.Paragraph($"You ({Code(request.User.Display)}) are a viewer: you can read with `status`, `features`, `plan` and `history`, but not change anything. "
                + $"Ask an operator, or ask an administrator to make {Code(request.User.Id)} an operator in `ControlApi:Chatops:Users:{request.Platform}`."),
            new ChatBlock.Note(AuditedRefusal),
        ]);

    public static ChatReply UnknownCluster(string name, IReadOnlyCollection<string> clusters)
    {
        var suggestion = ChatCommandParser.Nearest(name, clusters);
        return new ChatReply(ChatVisibility.OnlyYou, ChatTone.Failure, $"No cluster {Code(name, 60)}",
        [
            new ChatBlock.Paragraph($"{(suggestion is null ? "" : $"Did you mean `{suggestion}`? ")}Clusters: {ClusterList(clusters)}."),
        ]);
    }

    public static ChatReply NameACluster(IReadOnlyCollection<string> clusters) => new(
        ChatVisibility.OnlyYou, ChatTone.Warning, "Which cluster?",
        [new ChatBlock.Paragraph($"There is no default cluster; name one of {ClusterList(clusters)}, e.g. `status {clusters.First()}`.")]);

    public static ChatReply Status(ManagedCluster cluster, RevisionResource current, LiveStatus live)
    {
        var enabled = FeatureCatalog.All.Where(f => f.IsEnabled(current.Settings)).Select(f => $"`{f.Name}`").ToList();
        var facts = new List<ChatFact>();
        if (current.Number > 0)
        {
            facts.Add(new ChatFact("State", current.StateReason is null ? $"{current.State}" : $"{current.State} — {current.StateReason}"));
            facts.Add(new ChatFact("Commit", current.CommitSha is null ? "not yet" : $"`{Short(current.CommitSha)}`"));
            facts.Add(new ChatFact("Requested by", RequestedBy(current)));
            if (current.Reason is { } reason) facts.Add(new ChatFact("Reason", Code(reason)));
            facts.Add(new ChatFact("Created", Time(current.CreatedAt)));
            if (current.Canary is not null) facts.Add(new ChatFact("Canary", ChatCanary.Describe(current)));
        }
        facts.Add(new ChatFact("Kubernetes", live.Summary));
        facts.AddRange(live.Facts);
        return new ChatReply(ChatVisibility.OnlyYou, ChatTone.Info,
            current.Number == 0
                ? $"`{cluster.Id}` has no revisions yet: it runs the defaults"
                : $"`{cluster.Id}` is at revision {current.Number} ({current.State})",
            [
                new ChatBlock.Facts(facts),
                new ChatBlock.Paragraph($"Enabled: {(enabled.Count == 0 ? "none" : string.Join(", ", enabled))}."),
            ]);
    }

    public static ChatReply Features(ManagedCluster cluster, RevisionResource current) => new(
        ChatVisibility.OnlyYou, ChatTone.Info, $"Features of `{cluster.Id}` (revision {current.Number})",
        [
            new ChatBlock.Bullets(FeatureCatalog.All
                .Select(f => f.IsEnabled(current.Settings) ? $"✅ `{f.Name}` on" : $"▫️ `{f.Name}` off").ToList()),
            new ChatBlock.Note($"Change one with `enable <feature> {cluster.Id}` or `disable <feature> {cluster.Id}`."),
        ]);

    /// <param name="entries">Newest first, each with what it changed against the revision before it.</param>
    public static ChatReply History(ManagedCluster cluster, IReadOnlyList<(RevisionResource Revision, string Changes)> entries, bool more) => new(
        ChatVisibility.OnlyYou, ChatTone.Info,
        entries.Count == 0 ? $"`{cluster.Id}` has no revisions yet" : $"Latest revisions of `{cluster.Id}`",
        [
            new ChatBlock.Bullets(entries.Select(e =>
                $"#{e.Revision.Number} {e.Revision.State}{(e.Revision.CommitSha is null ? "" : $" `{Short(e.Revision.CommitSha)}`")} — {e.Changes} — "
                + $"{RequestedBy(e.Revision)}{(e.Revision.Reason is { } reason ? $": {Code(reason, 120)}" : "")} — {Time(e.Revision.CreatedAt)}").ToList()),
            new ChatBlock.Note(more
                ? $"Older revisions: GET /api/v1/clusters/{cluster.Id}/revisions. Go back with `rollback <revision> {cluster.Id}`."
                : $"Go back with `rollback <revision> {cluster.Id}`."),
        ]);

    public static ChatReply Plan(ManagedCluster cluster, int baseRevision, ChatCommand.Plan plan, IReadOnlyList<string> changes, ValidationResult validation,
        IReadOnlyList<ValueChange> values, IReadOnlyList<ValueChange> sideEffects, RiskAssessment risk)
    {
        var verb = plan.Enable ? ChatVerbs.Enable : ChatVerbs.Disable;
        var facts = new List<ChatFact> { new("Based on", $"revision {baseRevision}") };
        if (validation.IsValid && changes.Count > 0) facts.Add(new ChatFact("Risk", RiskFact(risk)));
        var blocks = new List<ChatBlock> { new ChatBlock.Facts(facts) };
        AddRiskReasons(blocks, risk);
        if (changes.Count > 0) blocks.Add(new ChatBlock.Bullets(changes.Select(c => $"would {c}").ToList()));
        AddValues(blocks, values, sideEffects);
        AddIssues(blocks, validation);
        blocks.Add(new ChatBlock.Note(validation.IsValid && changes.Count > 0
            ? $"Nothing was stored. To do it: `{verb} {plan.Feature} {cluster.Id}`."
            : "Nothing was stored."));
        var (tone, verdict) = !validation.IsValid ? (ChatTone.Failure, "refused by the rules")
            : changes.Count == 0 ? (ChatTone.Info, "nothing to change")
            : (ChatTone.Success, validation.Warnings.Count > 0 ? "allowed, with warnings" : "allowed");
        return new ChatReply(ChatVisibility.OnlyYou, tone, $"Plan: {verb} `{plan.Feature}` on `{cluster.Id}` — {verdict}", blocks);
    }

    public static ChatReply Accepted(ManagedCluster cluster, ChatRequest request, ChangeResource change, string changes)
    {
        var revision = change.Revision;
        var scheduled = revision.State == RevisionState.Scheduled;
        var blocks = new List<ChatBlock>
        {
            new ChatBlock.Facts(
            [
                new ChatFact("Requested by", Code(request.User.Display)),
                new ChatFact("Reason", Code(revision.Reason)),
                new ChatFact("State", scheduled
                    ? $"Scheduled — waits for the change window, committed at {Time(revision.ScheduledFor)}"
                    : "Accepted — being committed to the GitOps repository"),
                new ChatFact("Risk", RiskFact(change.Risk)),
            ]),
        };
        AddRiskReasons(blocks, change.Risk);
        AddValues(blocks, revision.Values, change.SideEffects);
        if (change.Warnings.Count > 0)
            blocks.Add(new ChatBlock.Bullets(change.Warnings.Select(w => $"⚠️ `{w.Code}` {w.Message}").ToList()));
        blocks.Add(new ChatBlock.Note($"Follow it with `status {cluster.Id}` or `history {cluster.Id}`."));
        return new ChatReply(ChatVisibility.Channel, ChatTone.Success,
            scheduled ? $"Revision {revision.Number} of `{cluster.Id}` scheduled for {Time(revision.ScheduledFor)}: {changes}" : $"Revision {revision.Number} of `{cluster.Id}` accepted: {changes}", blocks)
        {
            Tracking = new TrackedRevision(cluster.Id, revision.Number),
        };
    }

    public static ChatReply AlreadySo(ManagedCluster cluster, ChangeResource change) => new(
        ChatVisibility.OnlyYou, ChatTone.Info, $"Nothing to do: `{cluster.Id}` already has these settings (revision {change.Revision.Number})",
        [new ChatBlock.Note("No revision was made.")]);

    public static ChatReply Refused(ManagedCluster cluster, ValidationResult validation)
    {
        var blocks = new List<ChatBlock> { new ChatBlock.Paragraph($"{validation.Errors.Count} rule(s) stop this change; nothing was stored. Fix them first (`plan` shows the result without storing anything).") };
        AddIssues(blocks, validation);
        return new ChatReply(ChatVisibility.OnlyYou, ChatTone.Failure, $"`{cluster.Id}` refused the change", blocks);
    }

    private static string RiskFact(RiskAssessment risk) => risk.Risk switch
    {
        ChangeRisk.Dangerous => "🔴 dangerous — can cut nodes or pods off while it rolls out",
        ChangeRisk.Disruptive => "🟠 disruptive — restarts the Cilium agents",
        _ => "🟢 routine",
    };

    /// <summary>Why a dangerous change is dangerous, one line each (a disruptive one says it in its fact).</summary>
    internal static void AddRiskReasons(List<ChatBlock> blocks, RiskAssessment risk)
    {
        var dangers = risk.Reasons.Where(r => r.Risk == ChangeRisk.Dangerous).Select(r => $"🔴 `{r.Subject}` {r.Why}").ToList();
        if (dangers.Count > 0) blocks.Add(new ChatBlock.Bullets(dangers));
    }

    /// <summary>The rendered values a change alters, and those its request did not name called out.</summary>
    private static void AddValues(List<ChatBlock> blocks, IReadOnlyList<ValueChange> values, IReadOnlyList<ValueChange> sideEffects)
    {
        if (values.Count > 0)
            blocks.Add(new ChatBlock.Bullets(values.Select(v => $"`{v}`").ToList()));
        if (sideEffects.Count > 0)
            blocks.Add(new ChatBlock.Note($"Also changes what the request did not name: {string.Join(", ", sideEffects.Select(v => $"`{v}`"))}."));
    }

    public static ChatReply AdoptFirst(ManagedCluster cluster, string reason) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, $"`{cluster.Id}` must be adopted first — nothing was changed",
        [new ChatBlock.Note(reason)]);

    public static ChatReply Failed(string detail) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, "The change could not be made", [new ChatBlock.Paragraph(detail)]);

    public static ChatReply NoSuchRevision(ManagedCluster cluster, int revision, int current) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, $"`{cluster.Id}` has no revision {revision}",
        [new ChatBlock.Paragraph($"Its newest revision is {current}; `history {cluster.Id}` lists them.")]);

    public static ChatReply RepairRequested(ManagedCluster cluster, ChatRequest request) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Flux is asked to re-apply the Cilium release of `{cluster.Id}`",
        [
            new ChatBlock.Paragraph($"A forced Helm upgrade (`flux reconcile hr --force`), requested by {Code(request.User.Display, 80)}: cilium-config is written back as the chart renders it."),
            new ChatBlock.Note($"`status {cluster.Id}` shows the drift gone once it is done."),
        ]);

    public static ChatReply Retracked(ManagedCluster cluster, int revision, RevisionState state) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Following revision {revision} of `{cluster.Id}` again",
        [new ChatBlock.Paragraph(state.MayRecover()
            ? $"It is {state}; if the cluster got there after all, it moves on to Verified."
            : $"It is {state}; tracking goes on from there.")]);

    // Follow-ups, posted to the channel as the revision moves on.

    public static ChatReply Committed(RevisionResource revision, LiveStatus live) => new(
        ChatVisibility.Channel, ChatTone.Success, $"Revision {revision.Number} of `{revision.Cluster}` committed as `{Short(revision.CommitSha)}`",
        [
            new ChatBlock.Facts([new ChatFact("Commit", $"`{revision.CommitSha}`")]),
            new ChatBlock.Note(live.TracksRevisions
                ? "Next: Flux applies it and the agents roll out; I will say when it is verified."
                : $"Flux applies it from the repository. ControlApi cannot confirm it is live: {live.Summary}."),
        ]);

    public static ChatReply Applied(RevisionResource revision) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}` applied by Flux",
        [
            new ChatBlock.Paragraph(revision.StateReason ?? "Flux applied the commit and the HelmRelease is ready."),
            new ChatBlock.Note("Next: the cilium agents roll out node by node."),
        ]);

    public static ChatReply RolledOut(RevisionResource revision) => new(
        ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}` rolled out",
        [
            new ChatBlock.Paragraph(revision.StateReason ?? "The cilium DaemonSet is updated and ready on every node."),
            new ChatBlock.Note("Next: checking that every agent shows the desired features."),
        ]);

    public static ChatReply CommitFailing(RevisionResource revision) => new(
        ChatVisibility.Channel, ChatTone.Warning, $"Revision {revision.Number} of `{revision.Cluster}` is not committed yet",
        [
            new ChatBlock.Paragraph(revision.StateReason ?? "The GitOps repository could not be reached."),
            new ChatBlock.Note("ControlApi keeps retrying with back-off; I will say when it lands."),
        ]);

    public static ChatReply Ended(RevisionResource revision) => revision.State switch
    {
        RevisionState.Verified => new ChatReply(ChatVisibility.Channel, ChatTone.Success, $"Revision {revision.Number} of `{revision.Cluster}` is live and verified",
            [new ChatBlock.Facts([new ChatFact("Accepted to verified", revision.SecondsToVerified is { } s ? Duration(TimeSpan.FromSeconds(s)) : "—")])]),
        RevisionState.NoChange => new ChatReply(ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}` needed no commit",
            [new ChatBlock.Paragraph(revision.StateReason ?? "The repository already holds exactly these files.")]),
        RevisionState.Superseded => new ChatReply(ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}` was superseded",
            [new ChatBlock.Paragraph(revision.StateReason ?? "A newer revision was committed before this one converged.")]),
        // Held changes that never went ahead: nothing reached the cluster, so this is news, not a failure.
        RevisionState.Rejected or RevisionState.Expired => new ChatReply(ChatVisibility.Channel, ChatTone.Warning,
            $"Revision {revision.Number} of `{revision.Cluster}` was {(revision.State == RevisionState.Rejected ? "rejected" : "not approved in time")}; nothing was committed",
            [new ChatBlock.Paragraph(revision.StateReason ?? "It never became the cluster's settings.")]),
        _ => new ChatReply(ChatVisibility.Channel, ChatTone.Failure, $"Revision {revision.Number} of `{revision.Cluster}` failed: {revision.State}",
            [new ChatBlock.Paragraph(revision.StateReason ?? "No reason was recorded."), new ChatBlock.Note($"`status {revision.Cluster}` shows the details.")]),
    };

    public static ChatReply Blocked(ManagedCluster cluster, Holds.HoldResource hold) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure,
        hold.Kind == Holds.ClusterHoldKinds.Freeze ? $"`{cluster.Id}` is frozen: nothing was changed" : $"`{cluster.Id}` is locked by {Code(hold.Holder, 80)}: nothing was changed",
        [
            new ChatBlock.Paragraph(Holds.HoldMessages.Describe(cluster.Id, hold)),
            new ChatBlock.Note(hold.Kind == Holds.ClusterHoldKinds.Freeze
                ? "Nothing changes until an admin lifts the freeze."
                : $"Ask {Code(hold.Holder, 80)} to unlock it{(hold.ExpiresAt is { } end ? $", or wait until {Time(end)}" : "")}."),
        ]);

    /// <summary>An automatic rollback of a failed revision, with the failure when the channel has not heard it yet.</summary>
    public static ChatReply RolledBackAutomatically(RevisionResource failed, AutomaticRollbackRecord rollback, bool includeFailure)
    {
        var blocks = new List<ChatBlock>();
        if (includeFailure) blocks.Add(new ChatBlock.Paragraph($"It failed: {failed.State}. {failed.StateReason ?? "No reason was recorded."}"));
        if (rollback.Revision is { } made)
        {
            blocks.Add(new ChatBlock.Paragraph($"Automatic rollback: revision {made} restores the settings of revision {rollback.To}, the last verified one."));
            blocks.Add(new ChatBlock.Note($"I follow revision {made} to its end; `history {failed.Cluster}` shows both."));
            return new ChatReply(ChatVisibility.Channel, ChatTone.Warning, $"Revision {failed.Number} of `{failed.Cluster}` failed and is rolled back automatically as revision {made}", blocks);
        }
        blocks.Add(new ChatBlock.Paragraph($"The automatic rollback to revision {rollback.To} was refused: {rollback.Refused ?? "no reason was recorded"}."));
        blocks.Add(new ChatBlock.Note($"Roll back by hand with `rollback {rollback.To} {failed.Cluster}`, or change the settings; `status {failed.Cluster}` shows the details."));
        return new ChatReply(ChatVisibility.Channel, ChatTone.Failure, $"Revision {failed.Number} of `{failed.Cluster}` failed and its automatic rollback was refused", blocks);
    }

    public static ChatReply StillWaiting(RevisionResource revision, TimeSpan followedFor) => revision.State == RevisionState.Scheduled
        ? new(ChatVisibility.Channel, ChatTone.Info, $"Revision {revision.Number} of `{revision.Cluster}` is scheduled for {Time(revision.ScheduledFor)}",
            [new ChatBlock.Note($"It waits for the change window and is committed when it opens; I stop following it here. `status {revision.Cluster}` shows where it is.")])
        : new(ChatVisibility.Channel, ChatTone.Warning, $"Revision {revision.Number} of `{revision.Cluster}` is still {revision.State} after {Duration(followedFor)}",
            [new ChatBlock.Note($"I stop following it here; `status {revision.Cluster}` shows where it is.")]);

    public static ChatReply OutsideWindow(ManagedCluster cluster, Core.Governance.WindowState window) => new(
        ChatVisibility.OnlyYou, ChatTone.Failure, $"`{cluster.Id}` takes no changes outside its change window: nothing was changed",
        [
            new ChatBlock.Paragraph(Governance.WindowMessages.Refused(cluster.Id, window)),
            new ChatBlock.Note("Send it again when the window is open, or ask an admin to send it now or to let changes wait for the window."),
        ]);

    private static void AddIssues(List<ChatBlock> blocks, ValidationResult validation)
    {
        if (validation.Errors.Count > 0)
            blocks.Add(new ChatBlock.Bullets(validation.Errors.Select(e => $"❌ `{e.Code}` {e.Message}").ToList()));
        if (validation.Warnings.Count > 0)
            blocks.Add(new ChatBlock.Bullets(validation.Warnings.Select(w => $"⚠️ `{w.Code}` {w.Message}").ToList()));
    }

    private static string RequestedBy(RevisionResource revision) =>
        revision.OnBehalfOf is { } person ? $"{Code(person, 80)} via {revision.Author}" : Code(revision.Author, 80);
}
