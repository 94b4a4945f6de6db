using ControlApi.Audit;
using ControlApi.Data;
using ControlApi.Persistence;
using ControlApi.Security;

namespace ControlApi.Chatops;

/// <summary>Writes chat's audit events: every command run, every refusal. Actor = the platform, source = chatops.</summary>
public sealed class ChatAudit(ControlApiDbContext db, WriteTurns writeTurns, AuditLog audit, DeniedRequestAudit denials, ILogger<ChatAudit> logger)
{
    private const int MaxTextLength = 500;

    public Task CommandAsync(ChatRequest request, ChatCommand command, ChatReply reply, CancellationToken cancellationToken) => AppendAsync(new AuditEntry(
        AuditKinds.ChatopsCommand, reply.Cluster, reply.Tracking?.Revision, request.Platform, AuditSources.Chatops,
        $"{request.Platform} user {request.User.Display} ran '{command.Verb}': {reply.Headline}",
        new
        {
            platform = request.Platform,
            userId = request.User.Id,
            userName = request.User.Name,
            channel = request.Channel,
            text = Bounded(request.Text),
            command = command.Verb,
            outcome = reply.Tone.ToString(),
        }, request.User.Person), cancellationToken);

    /// <summary>A verified user asked for something their role does not allow.</summary>
    public Task DeniedAsync(ChatRequest request, ChatCommand command, string? cluster, ChatRole? role, CancellationToken cancellationToken) => AppendAsync(new AuditEntry(
        AuditKinds.AuthDenied, cluster, null, request.Platform, AuditSources.Chatops,
        $"{request.Platform} user {request.User.Display} may not run '{command.Verb}' ({(role is { } r ? ChatRoles.Name(r) : "not allowed in chat")})",
        new
        {
            platform = request.Platform,
            userId = request.User.Id,
            userName = request.User.Name,
            channel = request.Channel,
            text = Bounded(request.Text),
            command = command.Verb,
            role = role is { } known ? ChatRoles.Name(known) : null,
            required = ChatRoles.Name(command.RequiredRole),
        }, request.User.Person), cancellationToken);

    /// <summary>
    /// A request that did not prove it came from the platform (signature, token, timestamp, replay).
    /// Anyone can send these, so they go through the same per-address cap as refused API keys.
    /// </summary>
    public async Task RejectedRequestAsync(string platform, string reason, RequestOrigin origin, CancellationToken cancellationToken)
    {
        logger.LogWarning("Refused a {Platform} request from {Remote}: {Reason}", platform, origin.RemoteAddress, reason);
        await denials.RecordAsync(new DeniedRequest(StatusCodes.Status401Unauthorized, reason, origin.Method, origin.Route,
            origin.Path, origin.RemoteAddress, null, null, null, Actor: platform, Source: AuditSources.Chatops), cancellationToken);
    }

    private async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var turn = await writeTurns.BeginAsync(db, WriteScope.Global, cancellationToken);
        await audit.AppendAsync(db, entry, cancellationToken);
        await turn.CommitAsync(cancellationToken);
    }

    private static string Bounded(string text) => text.Length > MaxTextLength ? text[..MaxTextLength] + "…" : text;
}
