namespace ControlApi.GitOps;

public enum GitPushOutcome
{
    /// <summary>The remote branch now points at our commit.</summary>
    Pushed,
    /// <summary>Someone else pushed first; fetch, re-apply onto the new head and push again.</summary>
    RejectedNonFastForward,
    /// <summary>Unreachable, authentication refused, a hook or protection rule declined, or anything else.</summary>
    Failed,
}

/// <summary>The answer of a push. <see cref="Reason"/> is redacted and meant for people.</summary>
public sealed record GitPushResult(GitPushOutcome Outcome, string? Reason = null)
{
    public static readonly GitPushResult Pushed = new(GitPushOutcome.Pushed);
}
