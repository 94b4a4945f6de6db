using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ControlApi.Security;

/// <summary>
/// The text of an API key: <c>cak_&lt;id&gt;_&lt;secret&gt;</c>. The id (64 random bits, hex) is public
/// and finds the key; the secret (256 random bits, base64url) proves possession. Only the secret's
/// SHA-256 is stored — a plain hash suffices because the secret is random, not a password.
/// </summary>
public static partial class ApiKeyTokens
{
    public const string Prefix = "cak_";
    private const int IdBytes = 8;
    private const int SecretBytes = 32;
    private const int IdLength = IdBytes * 2;
    private static readonly int SecretLength = Base64Url.GetEncodedLength(SecretBytes);
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>Longer bearer values are refused before any work is done on them.</summary>
    public const int MaxPresentedLength = 512;

    /// <summary>A freshly made key: the full text goes to its owner once, the rest is stored.</summary>
    public sealed record Issued(string Id, string Text, string SecretHash);

    public static Issued Issue()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return new Issued(id, $"{Prefix}{id}_{secret}", Hash(secret));
    }

    /// <summary>Splits a presented key into id and secret; false for anything not shaped like one of ours.</summary>
    public static bool TryParse(string text, out string id, out string secret)
    {
        id = secret = "";
        if (text.Length != Prefix.Length + IdLength + 1 + SecretLength) return false;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text[Prefix.Length + IdLength] != '_') return false;
        var idPart = text.AsSpan(Prefix.Length, IdLength);
        var secretPart = text.AsSpan(Prefix.Length + IdLength + 1);
        if (idPart.ContainsAnyExcept(LowerHex) || !Base64Url.IsValid(secretPart)) return false;
        id = idPart.ToString();
        secret = secretPart.ToString();
        return true;
    }

    /// <summary>Text with any of our keys in it (a key pasted into a URL) reduced to the public id.</summary>
    public static string Redact(string text) =>
        text.Contains(Prefix, StringComparison.Ordinal) ? KeyText().Replace(text, match => $"{Prefix}{match.Groups[1].Value}_(redacted)") : text;

    [GeneratedRegex(@"cak_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")]
    private static partial Regex KeyText();

    public static string Hash(string secret) => Convert.ToHexStringLower(HashBytes(secret));

    /// <summary>Constant-time comparison, so response timing says nothing about how close a guess was.</summary>
    public static bool Matches(string secret, string storedHash)
    {
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        if (storedHash.Length != SHA256.HashSizeInBytes * 2 || Convert.FromHexString(storedHash, stored, out _, out _) != OperationStatus.Done)
            return false;
        return CryptographicOperations.FixedTimeEquals(HashBytes(secret), stored);
    }

    public static byte[] HashBytes(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
