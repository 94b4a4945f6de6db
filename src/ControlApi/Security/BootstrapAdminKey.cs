using System.Security.Cryptography;

namespace ControlApi.Security;

/// <summary>
/// The admin key given by <c>CONTROLAPI_ADMIN_KEY</c> (automation, Kubernetes secrets). Only its hash
/// is kept here; it lives outside the database, so it is revoked by unsetting the variable.
/// </summary>
public sealed class BootstrapAdminKey
{
    public const string KeyName = "bootstrap-admin";
    public const string KeyId = "bootstrap";

    /// <summary>Shorter values are refused at start: this key is guessable where a generated one is not.</summary>
    public const int MinimumLength = 16;

    private readonly byte[]? _hash;

    public BootstrapAdminKey(IConfiguration configuration)
    {
        var value = configuration[SecurityOptions.AdminKeyVariable];
        if (string.IsNullOrEmpty(value)) return;
        // The message names the variable, never its value.
        if (value.Length < MinimumLength)
            throw new InvalidOperationException($"{SecurityOptions.AdminKeyVariable} is shorter than {MinimumLength} characters; use a long random value (e.g. `openssl rand -base64 32`).");
        if (value.Length > ApiKeyTokens.MaxPresentedLength || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new InvalidOperationException($"{SecurityOptions.AdminKeyVariable} must be at most {ApiKeyTokens.MaxPresentedLength} characters without spaces or control characters.");
        _hash = ApiKeyTokens.HashBytes(value);
    }

    public bool IsConfigured => _hash is not null;

    public bool Matches(string presented) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(ApiKeyTokens.HashBytes(presented), _hash);
}
