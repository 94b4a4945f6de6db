using System.Globalization;

namespace ControlApi.Core.Validation;

/// <summary>Builds findings from a code, a pointer and the message format named like the code.</summary>
internal static class Issue
{
    public static ValidationIssue Error(string code, string pointer, string format, params object[] args) =>
        new(code, pointer, Format(format, args), IssueSeverity.Error);

    public static ValidationIssue Warning(string code, string pointer, string format, params object[] args) =>
        new(code, pointer, Format(format, args), IssueSeverity.Warning);

    private static string Format(string format, object[] args) =>
        args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);
}
