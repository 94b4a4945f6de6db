using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>
/// Microsoft Teams outgoing webhooks sign each request: <c>Authorization: HMAC &lt;base64&gt;</c>,
/// the HMAC-SHA256 of the raw body bytes keyed with the base64-decoded security token shown when
/// the webhook was created. Teams sends no timestamp header, but the signed activity carries its
/// own <c>timestamp</c>: an activity far from now is refused, and a signature is accepted once
/// while its timestamp is inside the window — the same protection Slack's signing gives.
/// </summary>
public sealed class TeamsSignatureVerifier
{
    private const string Scheme = "HMAC ";

    private readonly byte[]? _key;
    private readonly ReplayWindow _window;
    private readonly TimeProvider _time;
    private readonly SeenSignatures? _shared;
    private readonly TimeSpan _tolerance;

    /// <param name="shared">The replicas' shared memory of signatures (the service has it; a bare verifier checks this process only).</param>
    public TeamsSignatureVerifier(IOptions<ChatopsOptions> options, TimeProvider time, SeenSignatures? shared = null)
    {
        var teams = options.Value.Teams;
        _key = ChatSecrets.Read(teams.SecurityToken, teams.SecurityTokenFile) is { } token ? Convert.FromBase64String(token) : null;
        _window = new ReplayWindow(teams.TimestampTolerance, teams.ReplayCacheCapacity);
        _time = time;
        _shared = shared;
        _tolerance = teams.TimestampTolerance;
    }

    public bool IsConfigured => _key is not null;

    /// <summary>The signature alone: whether the body is what Teams signed.</summary>
    public RequestCheck Verify(string? authorization, ReadOnlySpan<byte> body)
    {
        if (_key is null || authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return RequestCheck.MissingCredentials;

        var given = new byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(authorization[Scheme.Length..].Trim(), given, out var written) || written != given.Length)
            return RequestCheck.BadSignature;
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, body), given) ? RequestCheck.Valid : RequestCheck.BadSignature;
    }

    /// <summary>
    /// For a verified body: its activity <paramref name="timestamp"/> must be within the tolerance of
    /// now, and the signature must not have been accepted before.
    /// </summary>
    public async Task<RequestCheck> CheckFreshAsync(string authorization, DateTimeOffset? timestamp, CancellationToken cancellationToken)
    {
        var check = CheckFresh(authorization, timestamp);
        if (check != RequestCheck.Valid || _shared is null) return check;
        return await _shared.FirstTimeAsync("teams", authorization[Scheme.Length..].Trim(), timestamp!.Value + _tolerance, cancellationToken) ? RequestCheck.Valid : RequestCheck.Replayed;
    }

    /// <summary>This process's look only; <see cref="CheckFreshAsync"/> adds the other replicas'.</summary>
    public RequestCheck CheckFresh(string authorization, DateTimeOffset? timestamp)
    {
        if (timestamp is not { } sent) return RequestCheck.MalformedTimestamp;
        var now = _time.GetUtcNow();
        if (!_window.IsFresh(sent, now)) return RequestCheck.StaleTimestamp;
        return _window.FirstTime(authorization[Scheme.Length..].Trim(), sent, now) ? RequestCheck.Valid : RequestCheck.Replayed;
    }
}
