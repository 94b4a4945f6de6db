using ControlApi.Audit;
using ControlApi.Configuration;

namespace ControlApi.Security;

/// <summary>
/// Where the first admin key is shown. Standard output directly, not <see cref="ILogger"/>: log
/// shipping must never carry a key. Replaceable so tests can read what a person would see.
/// </summary>
public sealed class AdminKeyConsole(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}

/// <summary>
/// Secure by default: with <c>CONTROLAPI_ADMIN_KEY</c> set, that value is the admin key and nothing is
/// created. Otherwise the first start with no keys creates an admin key, prints it once to the console
/// and writes it to <c>&lt;DataDirectory&gt;/admin-key</c> (mode 0600). Runs after the database is migrated.
/// <para>
/// Begun in <see cref="StartAsync"/> and awaited in <see cref="StartedAsync"/>: a first start's key
/// is the process's first EF Core queries and saves (about a fifth of a cold start's CPU), and this
/// way it runs on one core while the server starts and the first requests are compiled on the other.
/// The host's start still ends only once the key exists (a failure stops it, as before), and
/// <c>/readyz</c> answers 503 until then (<see cref="Health.StartupWork"/>).
/// </para>
/// </summary>
public sealed class AdminKeyBootstrapper(
    IServiceScopeFactory scopes,
    BootstrapAdminKey bootstrap,
    DataPaths paths,
    AdminKeyConsole console,
    Health.StartupWork startup,
    ILogger<AdminKeyBootstrapper> logger) : IHostedLifecycleService
{
    /// <summary>What <c>/readyz</c> names while the key is being made.</summary>
    public const string StartupWorkName = "creating the first admin key";

    private Task _ensured = Task.CompletedTask;
    public const string FirstKeyName = "admin";
    public const string KeyFileName = "admin-key";

    public string KeyFile => Path.Combine(paths.Root, KeyFileName);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ensured = Task.Run(() => EnsureAdminKeyAsync(cancellationToken), cancellationToken);
        startup.Add(StartupWorkName, _ensured);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => _ensured;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAdminKeyAsync(CancellationToken cancellationToken)
    {
        if (bootstrap.IsConfigured)
        {
            logger.LogInformation("Admin key '{Name}' comes from {Variable}", BootstrapAdminKey.KeyName, SecurityOptions.AdminKeyVariable);
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyStore>();
        if (await keys.AnyAsync(cancellationToken)) return;

        var created = await keys.CreateAsync(FirstKeyName, Role.Admin, "system", AuditSources.System, cancellationToken);
        if (created is not KeyCreation.Created { Key: var key, Text: var text })
            throw new InvalidOperationException("The first admin key could not be created.");

        await WriteKeyFileAsync(text, cancellationToken);
        await console.Writer.WriteLineAsync(
            $"""

            ControlApi: first start, no API keys yet. Created admin key '{key.Name}' ({key.Id}):

                {text}

            It is shown only this once and saved to {KeyFile} (readable by this user only).
            Use it as 'Authorization: Bearer <key>' and create personal keys with POST /api/v1/apikeys.

            """);
        await console.Writer.FlushAsync(cancellationToken);
        logger.LogWarning("Created the first admin key {KeyId}; it was printed to the console once and saved to {KeyFile}", key.Id, KeyFile);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Created 0600 from the first byte: there is no moment in which others could read it.</summary>
    private async Task WriteKeyFileAsync(string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(paths.Root);
        // A key file without any keys in the database is left from a wiped database; its key is dead.
        File.Delete(KeyFile);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var stream = new FileStream(KeyFile, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteLineAsync(text.AsMemory(), cancellationToken);
    }
}
