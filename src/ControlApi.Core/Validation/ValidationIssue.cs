namespace ControlApi.Core.Validation;

public enum IssueSeverity { Error, Warning }

/// <summary>
/// One finding about desired settings: a stable <paramref name="Code"/> scripts can match on,
/// an RFC 6901 <paramref name="Pointer"/> to the member, and a message people read.
/// </summary>
public sealed record ValidationIssue(string Code, string Pointer, string Message, IssueSeverity Severity);

/// <summary>All errors and warnings for one wish; errors block the change, warnings travel with it.</summary>
public sealed record ValidationResult(IReadOnlyList<ValidationIssue> Errors, IReadOnlyList<ValidationIssue> Warnings)
{
    public bool IsValid => Errors.Count == 0;
}
