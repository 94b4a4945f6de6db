using System.Text.Json.Serialization;

namespace ControlApi.Core.Revisions;

/// <summary>The revision lifecycle of SPEC §4, success path first, then the failure and end states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionState>))]
public enum RevisionState
{
    Accepted,
    Committed,
    Applied,
    RolledOut,
    Verified,
    CommitFailed,
    ReconcileFailed,
    RolloutStuck,
    VerificationFailed,
    Superseded,
    NoChange,
}

public static class RevisionStates
{
    /// <summary>States after which nothing more happens to a revision.</summary>
    public static bool IsTerminal(this RevisionState state) =>
        state is RevisionState.Verified or RevisionState.Superseded or RevisionState.NoChange
            or RevisionState.ReconcileFailed or RevisionState.RolloutStuck or RevisionState.VerificationFailed;

    public static RevisionState Parse(string value) => Enum.Parse<RevisionState>(value, ignoreCase: false);
}
