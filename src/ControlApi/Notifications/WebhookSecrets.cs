using Microsoft.AspNetCore.DataProtection;

namespace ControlApi.Notifications;

/// <summary>
/// Keeps webhook signing secrets encrypted at rest with ASP.NET Core Data Protection. The key ring is
/// in the database (table <c>DataProtectionKeys</c>) so every replica can sign: a copy of the
/// secrets column alone does not reveal them, a copy of the whole database does (README, Security).
/// They are needed in the clear only to sign, so they are never hashed, returned or logged.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("ControlApi.Webhooks.Secret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
