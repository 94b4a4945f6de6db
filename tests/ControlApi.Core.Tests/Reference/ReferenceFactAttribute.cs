namespace ControlApi.Core.Tests.Reference;

/// <summary>A fact that needs the upstream reference data; reported as skipped (with the reason) when it is missing.</summary>
public sealed class ReferenceFactAttribute : FactAttribute
{
    public ReferenceFactAttribute()
    {
        if (ReferenceData.MissingReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that needs the upstream reference data; reported as skipped (with the reason) when it is missing.</summary>
public sealed class ReferenceTheoryAttribute : TheoryAttribute
{
    public ReferenceTheoryAttribute()
    {
        if (ReferenceData.MissingReason is { } reason) Skip = reason;
    }
}
