using Microsoft.AspNetCore.DataProtection;

namespace ControlApi.Notifications;

/// <summary>
/// Keeps webhook signing secrets encrypted at rest with ASP.NET Core Data Protection (key ring in
/// <c>{DataDirectory}/keys</c>): a copy of the database alone does not reveal them. They are needed
/// in the clear only to sign, so they are never hashed, returned or logged.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("ControlApi.Webhooks.Secret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
