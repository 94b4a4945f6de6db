using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>Why a chat request was or was not accepted as coming from the platform.</summary>
public enum RequestCheck
{
    Valid,
    MissingCredentials,
    MalformedTimestamp,
    StaleTimestamp,
    BadSignature,
    Replayed,
}

public static class RequestChecks
{
    /// <summary>Said in the 401 problem and the audit event; never includes the secret or the expected value.</summary>
    public static string Describe(this RequestCheck check) => check switch
    {
        RequestCheck.MissingCredentials => "the request carries no signature or token",
        RequestCheck.MalformedTimestamp => "the request timestamp is missing or not a valid time",
        RequestCheck.StaleTimestamp => "the request timestamp is too far from now (old, replayed or a wrong clock)",
        RequestCheck.BadSignature => "the signature or token does not match",
        RequestCheck.Replayed => "this signed request was already received",
        _ => "valid",
    };
}

/// <summary>
/// Verifies Slack's request signing: <c>X-Slack-Signature</c> is <c>v0=</c> + hex HMAC-SHA256 of
/// <c>v0:{X-Slack-Request-Timestamp}:{raw body}</c> keyed with the app's signing secret. The
/// timestamp must be within the tolerance of now, and a signature is accepted only once.
/// </summary>
public sealed class SlackSignatureVerifier
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    private const string Version = "v0";

    private readonly byte[]? _secret;
    private readonly ReplayWindow _window;
    private readonly TimeProvider _time;
    private readonly SeenSignatures? _shared;
    private readonly TimeSpan _tolerance;

    /// <param name="shared">The replicas' shared memory of signatures (the service has it; a bare verifier checks this process only).</param>
    public SlackSignatureVerifier(IOptions<ChatopsOptions> options, TimeProvider time, SeenSignatures? shared = null)
    {
        var slack = options.Value.Slack;
        _secret = ChatSecrets.Read(slack.SigningSecret, slack.SigningSecretFile) is { } secret ? Encoding.UTF8.GetBytes(secret) : null;
        _window = new ReplayWindow(slack.TimestampTolerance, slack.ReplayCacheCapacity);
        _time = time;
        _shared = shared;
        _tolerance = slack.TimestampTolerance;
    }

    public bool IsConfigured => _secret is not null;

    /// <summary><see cref="Verify"/>, then, for a request this process admits, whether any replica saw it before.</summary>
    public async Task<RequestCheck> VerifyAsync(string? timestamp, string? signature, byte[] body, CancellationToken cancellationToken)
    {
        var check = Verify(timestamp, signature, body);
        if (check != RequestCheck.Valid || _shared is null) return check;
        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestamp!, NumberStyles.None, CultureInfo.InvariantCulture));
        return await _shared.FirstTimeAsync("slack", signature!.ToLowerInvariant(), sent + _tolerance, cancellationToken) ? RequestCheck.Valid : RequestCheck.Replayed;
    }

    public RequestCheck Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (_secret is null || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)) return RequestCheck.MissingCredentials;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return RequestCheck.MalformedTimestamp;

        // Checked before the HMAC so an old capture is refused cheaply, whatever it carries.
        var now = _time.GetUtcNow();
        var sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (!_window.IsFresh(sent, now)) return RequestCheck.StaleTimestamp;

        if (!signature.StartsWith(Version + "=", StringComparison.Ordinal) || !TryHex(signature.AsSpan(Version.Length + 1), out var given))
            return RequestCheck.BadSignature;
        if (!CryptographicOperations.FixedTimeEquals(Compute(timestamp, body), given)) return RequestCheck.BadSignature;

        return _window.FirstTime(signature.ToLowerInvariant(), sent, now) ? RequestCheck.Valid : RequestCheck.Replayed;
    }

    private byte[] Compute(string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes($"{Version}:{timestamp}:");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(_secret!, message);
    }

    private static bool TryHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length != SHA256.HashSizeInBytes * 2) return false;
        bytes = new byte[SHA256.HashSizeInBytes];
        return Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == bytes.Length;
    }
}
