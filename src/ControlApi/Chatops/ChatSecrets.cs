namespace ControlApi.Chatops;

/// <summary>A secret given inline or, better, as a file (mounted from a Kubernetes secret). Never logged.</summary>
public static class ChatSecrets
{
    /// <summary>The secret, or null when neither is set. A file's trailing newline is not part of the secret.</summary>
    public static string? Read(string? value, string? file)
    {
        if (!string.IsNullOrWhiteSpace(value)) return value.Trim();
        if (string.IsNullOrWhiteSpace(file)) return null;
        var text = File.ReadAllText(file).Trim();
        return text.Length == 0 ? null : text;
    }
}
