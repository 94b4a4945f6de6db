using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>
/// Mattermost slash commands and outgoing webhooks prove themselves with a shared token in the form
/// field <c>token</c>. Compared in constant time over SHA-256 digests, so neither content nor length leaks.
/// </summary>
public sealed class MattermostTokenVerifier
{
    public const string TokenField = "token";

    private readonly byte[]? _expected;

    public MattermostTokenVerifier(IOptions<ChatopsOptions> options)
    {
        var mattermost = options.Value.Mattermost;
        _expected = ChatSecrets.Read(mattermost.Token, mattermost.TokenFile) is { } token ? Digest(token) : null;
    }

    public bool IsConfigured => _expected is not null;

    public RequestCheck Verify(string? token)
    {
        if (_expected is null || string.IsNullOrEmpty(token)) return RequestCheck.MissingCredentials;
        return CryptographicOperations.FixedTimeEquals(Digest(token), _expected) ? RequestCheck.Valid : RequestCheck.BadSignature;
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
