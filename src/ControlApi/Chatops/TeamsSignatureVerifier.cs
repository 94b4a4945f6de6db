using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>
/// Microsoft Teams outgoing webhooks sign each request: <c>Authorization: HMAC &lt;base64&gt;</c>,
/// the HMAC-SHA256 of the raw body bytes keyed with the base64-decoded security token shown when
/// the webhook was created. Teams adds no timestamp, so replays cannot be told apart here.
/// </summary>
public sealed class TeamsSignatureVerifier
{
    private const string Scheme = "HMAC ";

    private readonly byte[]? _key;

    public TeamsSignatureVerifier(IOptions<ChatopsOptions> options)
    {
        var teams = options.Value.Teams;
        _key = ChatSecrets.Read(teams.SecurityToken, teams.SecurityTokenFile) is { } token ? Convert.FromBase64String(token) : null;
    }

    public bool IsConfigured => _key is not null;

    public RequestCheck Verify(string? authorization, ReadOnlySpan<byte> body)
    {
        if (_key is null || authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return RequestCheck.MissingCredentials;

        var given = new byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(authorization[Scheme.Length..].Trim(), given, out var written) || written != given.Length)
            return RequestCheck.BadSignature;
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, body), given) ? RequestCheck.Valid : RequestCheck.BadSignature;
    }
}
