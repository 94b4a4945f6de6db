using System.Security.Cryptography;
using System.Text;

namespace ControlApi.Notifications;

/// <summary>
/// The headers of a delivery and its signature: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of
/// the exact body bytes, keyed with the webhook's secret. Receivers compute the same over the raw
/// body and compare in constant time.
/// </summary>
public static class WebhookSignature
{
    public const string EventHeader = "X-ControlApi-Event";
    public const string DeliveryHeader = "X-ControlApi-Delivery";
    public const string SignatureHeader = "X-ControlApi-Signature";
    public const string Prefix = "sha256=";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>What a receiver does; used by the tests and documented in the README.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? signature) =>
        signature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(signature));
}
