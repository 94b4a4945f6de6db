using ControlApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ControlApi.Chatops;

/// <summary>Chat platforms' entry points (SPEC §7): verify the platform, run the command, answer in its format.</summary>
public static class ChatopsApi
{
    public static RouteGroupBuilder MapChatopsApi(this RouteGroupBuilder api)
    {
        // Chat platforms cannot send an API key. Each route authenticates the request itself — Slack's
        // signature, Mattermost's token, Teams' HMAC — before any field is used, so API-key
        // authentication must not apply here: the signature check IS these endpoints' authentication.
        var group = api.MapGroup("/chatops").WithTags("Chatops").AllowAnonymous();
        // No Accepts<T> metadata: it would make routing answer a wrong content type itself (415)
        // from an endpoint that is not anonymous. The body is read raw, as it was signed.

        group.MapPost("/slack", Slack)
            .WithName("SlackSlashCommand")
            .WithSummary("A Slack slash command, verified by X-Slack-Signature; answers in Block Kit.")
            .WithDescription("Form-urlencoded slash command (user_id, user_name, text, command, response_url, channel_id). Headers X-Slack-Request-Timestamp and X-Slack-Signature.")
            .WithChatProblems();

        group.MapPost("/slack/interactions", SlackInteractions)
            .WithName("SlackInteraction")
            .WithSummary("A click on a button of a ControlApi Slack message (Approve / Reject of a change held for approval), verified by X-Slack-Signature.")
            .WithDescription("Form-urlencoded with one field 'payload': Slack's block_actions JSON (type, user.id, user.username, actions[0].action_id approve|reject, actions[0].value 'cluster:revision', response_url). Verified and replay-checked like the slash command; the click runs as `approve <n> <cluster>` or `reject <n> <cluster>` by the user who clicked (role and person from Chatops:Users and Chatops:People) and is answered at once; the outcome is also posted to response_url.")
            .WithChatProblems();

        group.MapPost("/mattermost", Mattermost)
            .WithName("MattermostCommand")
            .WithSummary("A Mattermost slash command or outgoing webhook, verified by its token.")
            .WithDescription("Form-urlencoded slash command or outgoing webhook (token, user_id, user_name, text, trigger_word, response_url, channel_id).")
            .WithChatProblems();

        group.MapPost("/teams", Teams)
            .WithName("TeamsOutgoingWebhook")
            .WithSummary("A Microsoft Teams outgoing webhook, verified by its HMAC Authorization header.")
            .WithDescription("A Bot Framework message activity (JSON: text, from.id, from.name, from.aadObjectId). Header Authorization: HMAC <base64>.")
            .WithChatProblems();

        return api;
    }

    public static async Task<Results<Ok<SlackMessage>, ProblemHttpResult>> Slack(
        HttpContext context, SlackSignatureVerifier verifier, ChatCommandEngine engine, ChatAudit audit, ChatFollowUps followUps,
        IOptions<ChatopsOptions> options, CancellationToken cancellationToken)
    {
        if (!verifier.IsConfigured) return ChatProblems.NotConfigured("Slack", "Slack:SigningSecret");
        var (body, tooLarge) = await ReadBodyAsync(context, options.Value, cancellationToken);
        if (tooLarge is not null) return tooLarge;

        var headers = context.Request.Headers;
        var check = await verifier.VerifyAsync(headers[SlackSignatureVerifier.TimestampHeader].ToString(), headers[SlackSignatureVerifier.SignatureHeader].ToString(), body, cancellationToken);
        if (check != RequestCheck.Valid) return await RefuseAsync(ChatPlatforms.Slack, check, context, audit, cancellationToken);

        var command = SlackSlashCommand.Parse(body);
        if (string.IsNullOrEmpty(command.UserId)) return ChatProblems.NoUser("user_id");
        var reply = await engine.ExecuteAsync(command.ToRequest(), cancellationToken);
        if (reply.Tracking is { } tracking) followUps.Start(ChatPlatforms.Slack, command.ResponseUrl, tracking);
        return TypedResults.Ok(BlockKitRenderer.Render(reply));
    }

    public static async Task<Results<Ok<SlackMessage>, ProblemHttpResult>> SlackInteractions(
        HttpContext context, SlackSignatureVerifier verifier, ChatCommandEngine engine, ChatAudit audit, ChatFollowUps followUps, ResponseUrlClient responses,
        IOptions<ChatopsOptions> options, CancellationToken cancellationToken)
    {
        if (!verifier.IsConfigured) return ChatProblems.NotConfigured("Slack", "Slack:SigningSecret");
        var (body, tooLarge) = await ReadBodyAsync(context, options.Value, cancellationToken);
        if (tooLarge is not null) return tooLarge;

        var headers = context.Request.Headers;
        var check = await verifier.VerifyAsync(headers[SlackSignatureVerifier.TimestampHeader].ToString(), headers[SlackSignatureVerifier.SignatureHeader].ToString(), body, cancellationToken);
        if (check != RequestCheck.Valid) return await RefuseAsync(ChatPlatforms.Slack, check, context, audit, cancellationToken);

        if (SlackInteraction.Parse(body) is not { } interaction)
            return Problems.BadRequest("malformed-interaction", "Not a Slack interaction", "The body carries no JSON 'payload' field.");
        if (string.IsNullOrEmpty(interaction.UserId)) return ChatProblems.NoUser("user.id");
        if (interaction.ToRequest() is not { } request)
            return Problems.BadRequest("unknown-interaction", "Not a ControlApi button", "Only the Approve and Reject buttons of a change held for approval are handled here.");

        // A decision is a few database writes: it is made before the answer, well within Slack's 3 seconds.
        var reply = await engine.ExecuteAsync(request, cancellationToken);
        if (reply.Tracking is { } tracking) followUps.Start(ChatPlatforms.Slack, interaction.ResponseUrl, tracking);
        // Slack shows a click's outcome only through response_url: posted once the answer is sent, never holding it up.
        if (interaction.ResponseUrl is { Length: > 0 } responseUrl)
            context.Response.OnCompleted(() => responses.PostAsync(ChatPlatforms.Slack, responseUrl, reply, CancellationToken.None));
        return TypedResults.Ok(BlockKitRenderer.Render(reply, followUp: true));
    }

    public static async Task<Results<Ok<MattermostMessage>, ProblemHttpResult>> Mattermost(
        HttpContext context, MattermostTokenVerifier verifier, ChatCommandEngine engine, ChatAudit audit, ChatFollowUps followUps,
        IOptions<ChatopsOptions> options, CancellationToken cancellationToken)
    {
        if (!verifier.IsConfigured) return ChatProblems.NotConfigured("Mattermost", "Mattermost:Token");
        var (body, tooLarge) = await ReadBodyAsync(context, options.Value, cancellationToken);
        if (tooLarge is not null) return tooLarge;

        var command = MattermostCommand.Parse(body);
        var check = verifier.Verify(command.Token);
        if (check != RequestCheck.Valid) return await RefuseAsync(ChatPlatforms.Mattermost, check, context, audit, cancellationToken);

        if (string.IsNullOrEmpty(command.UserId)) return ChatProblems.NoUser("user_id");
        var reply = await engine.ExecuteAsync(command.ToRequest(), cancellationToken);
        if (reply.Tracking is { } tracking) followUps.Start(ChatPlatforms.Mattermost, command.ResponseUrl, tracking);
        return TypedResults.Ok(MarkdownRenderer.Mattermost(reply));
    }

    public static async Task<Results<Ok<TeamsMessage>, ProblemHttpResult>> Teams(
        HttpContext context, TeamsSignatureVerifier verifier, ChatCommandEngine engine, ChatAudit audit,
        IOptions<ChatopsOptions> options, CancellationToken cancellationToken)
    {
        if (!verifier.IsConfigured) return ChatProblems.NotConfigured("Teams", "Teams:SecurityToken");
        var (body, tooLarge) = await ReadBodyAsync(context, options.Value, cancellationToken);
        if (tooLarge is not null) return tooLarge;

        var check = verifier.Verify(context.Request.Headers.Authorization.ToString(), body);
        if (check != RequestCheck.Valid) return await RefuseAsync(ChatPlatforms.Teams, check, context, audit, cancellationToken);

        if (TeamsActivity.Parse(body) is not { } activity)
            return Problems.BadRequest("malformed-activity", "Not a Teams activity", "The body is not a JSON activity object.");
        check = await verifier.CheckFreshAsync(context.Request.Headers.Authorization.ToString(), activity.Timestamp, cancellationToken);
        if (check != RequestCheck.Valid) return await RefuseAsync(ChatPlatforms.Teams, check, context, audit, cancellationToken);
        var request = activity.ToRequest();
        if (string.IsNullOrEmpty(request.User.Id)) return ChatProblems.NoUser("from.id");
        // Teams has no response_url: the reply is the only message, follow with `status`.
        return TypedResults.Ok(MarkdownRenderer.Teams(await engine.ExecuteAsync(request, cancellationToken)));
    }

    private static async Task<ProblemHttpResult> RefuseAsync(string platform, RequestCheck check, HttpContext context, ChatAudit audit, CancellationToken cancellationToken)
    {
        await audit.RejectedRequestAsync(platform, check.Describe(), Security.RequestOrigin.Of(context), cancellationToken);
        return ChatProblems.Unauthorized(platform, check);
    }

    private static async Task<(byte[] Body, ProblemHttpResult? TooLarge)> ReadBodyAsync(HttpContext context, ChatopsOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return (await RequestBody.ReadAsync(context.Request, options.MaxBodyBytes, cancellationToken), null);
        }
        catch (RequestBody.TooLargeException ex)
        {
            return ([], Problems.PayloadTooLarge(ex.Limit));
        }
    }

    private static RouteHandlerBuilder WithChatProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
}

/// <summary>Problem answers of the chat endpoints.</summary>
public static class ChatProblems
{
    public static ProblemHttpResult Unauthorized(string platform, RequestCheck check) => Problems.Create(
        StatusCodes.Status401Unauthorized, "chatops-unauthorized", "Request not verified",
        $"This {platform} request was refused: {check.Describe()}. Nothing was done.");

    public static ProblemHttpResult NotConfigured(string platform, string key) => Problems.Create(
        StatusCodes.Status404NotFound, "chatops-not-configured", $"{platform} commands are not enabled",
        $"{platform} commands are off until {ChatopsOptions.SectionName}:{key} (or {key}File) is configured.");

    public static ProblemHttpResult NoUser(string field) => Problems.BadRequest(
        "chatops-no-user", "No chat user", $"The request names no user ({field}); ControlApi acts only for a known person.");
}
