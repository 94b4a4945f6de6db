namespace ControlApi.Chatops;

/// <summary>A parsed chat command. Cluster names are as typed (null: the default cluster).</summary>
public abstract record ChatCommand
{
    /// <summary>The least role that may run the command.</summary>
    public virtual ChatRole RequiredRole => ChatRole.Viewer;

    /// <summary>The cluster the user named, if any.</summary>
    public virtual string? Cluster => null;

    /// <summary>The command word, for audit and answers.</summary>
    public abstract string Verb { get; }

    /// <param name="Unknown">A command word that is not a command, to say so before the help.</param>
    public sealed record Help(string? Unknown = null) : ChatCommand
    {
        public override string Verb => ChatVerbs.Help;
    }

    public sealed record Status(string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Status;
        public override string? Cluster => ClusterName;
    }

    public sealed record Features(string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Features;
        public override string? Cluster => ClusterName;
    }

    public sealed record History(string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.History;
        public override string? Cluster => ClusterName;
    }

    /// <summary><c>enable</c> or <c>disable</c> one feature (its catalogue name).</summary>
    public sealed record Switch(string Feature, bool Enable, string? ClusterName, string? Reason) : ChatCommand
    {
        public override string Verb => Enable ? ChatVerbs.Enable : ChatVerbs.Disable;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    public sealed record Plan(string Feature, bool Enable, string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Plan;
        public override string? Cluster => ClusterName;
    }

    public sealed record Rollback(int Revision, string? ClusterName, string? Reason) : ChatCommand
    {
        public override string Verb => ChatVerbs.Rollback;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>Re-apply the Cilium HelmRelease (a forced Helm upgrade) to undo drift.</summary>
    public sealed record Repair(string? ClusterName, string? Reason) : ChatCommand
    {
        public override string Verb => ChatVerbs.Repair;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>Follow a revision again (one whose tracker stopped, or the newest one that failed).</summary>
    public sealed record Retrack(int Revision, string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Retrack;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>Roll a verified canary out to every node.</summary>
    public sealed record Promote(int Revision, string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Promote;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>Approve a change held for approval (the service checks who may).</summary>
    public sealed record Approve(int Revision, string? ClusterName) : ChatCommand
    {
        public override string Verb => ChatVerbs.Approve;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>Reject (or, as its author, withdraw) a change held for approval; the reason is required.</summary>
    public sealed record Reject(int Revision, string? ClusterName, string Reason) : ChatCommand
    {
        public override string Verb => ChatVerbs.Reject;
        public override string? Cluster => ClusterName;
        public override ChatRole RequiredRole => ChatRole.Operator;
    }

    /// <summary>A known command used the wrong way; <paramref name="Problem"/> says what is wrong.</summary>
    public sealed record Invalid(string Command, string Problem) : ChatCommand
    {
        public override string Verb => Command;
    }
}

public static class ChatVerbs
{
    public const string Help = "help";
    public const string Status = "status";
    public const string Features = "features";
    public const string Enable = "enable";
    public const string Disable = "disable";
    public const string Plan = "plan";
    public const string History = "history";
    public const string Rollback = "rollback";
    public const string Repair = "repair";
    public const string Retrack = "retrack";
    public const string Promote = "promote";
    public const string Approve = "approve";
    public const string Reject = "reject";

    /// <summary>How each command is written; shown by <c>help</c> and after a misuse.</summary>
    public static string Usage(string verb) => verb switch
    {
        Status => "status [cluster]",
        Features => "features [cluster]",
        Enable => "enable <feature> [cluster] [reason…]",
        Disable => "disable <feature> [cluster] [reason…]",
        Plan => "plan <feature> on|off [cluster]",
        History => "history [cluster]",
        Rollback => "rollback <revision> [cluster] [reason…]",
        Repair => "repair [cluster] [reason…]",
        Retrack => "retrack <revision> [cluster]",
        Promote => "promote <revision> [cluster]",
        Approve => "approve <revision> [cluster]",
        Reject => "reject <revision> [cluster] <reason…>",
        _ => "help",
    };

    public static IReadOnlyList<(string Usage, string Meaning)> All { get; } =
    [
        (Usage(Status), "the latest revision, its state and commit, and the cluster's connection"),
        (Usage(Features), "each feature, on or off"),
        (Usage(Enable), "turn a feature on (operators)"),
        (Usage(Disable), "turn a feature off (operators)"),
        (Usage(Plan), "what switching a feature would change, and whether the rules allow it — nothing is stored"),
        (Usage(History), "the latest revisions"),
        (Usage(Rollback), "a new revision with the settings of an earlier one (operators)"),
        (Usage(Repair), "undo drift: Flux re-applies the Cilium release, as `flux reconcile hr --force` (operators)"),
        (Usage(Retrack), "follow a revision again, e.g. after Flux's own retry (operators)"),
        (Usage(Promote), "roll a verified canary out to every node (operators)"),
        (Usage(Approve), "approve someone else's change that waits for approval (approvers, or operators where the policy says so)"),
        (Usage(Reject), "reject a change that waits for approval, or withdraw your own"),
        (Usage(Help), "this list"),
    ];
}
