using ControlApi.Configuration;
using ControlApi.Data;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ControlApi.Notifications;

/// <summary>
/// Copies a key ring an earlier version kept in <c>{data}/keys</c> into the database once, so webhook
/// secrets stored under those keys still decrypt. The files are left in place (a downgrade still
/// finds them); a key already in the database is not copied again.
/// Runs after the database is migrated and before anything reads the key ring (hosted services
/// start in registration order; the ring is loaded on first use).
/// </summary>
internal sealed class KeyRingImport(IServiceScopeFactory scopes, DataPaths paths, ILogger<KeyRingImport> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var folder = new DirectoryInfo(Path.Combine(paths.Root, "keys"));
        if (!folder.Exists) return;
        var files = folder.GetFiles("*.xml");
        if (files.Length == 0) return;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ControlApiDbContext>();
        var known = (await db.DataProtectionKeys.Select(k => k.FriendlyName).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var copied = 0;
        foreach (var file in files)
        {
            // The file repository names each file after the key ("key-{id}"), the friendly name the database repository uses too.
            var name = Path.GetFileNameWithoutExtension(file.Name);
            if (known.Contains(name)) continue;
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = await File.ReadAllTextAsync(file.FullName, cancellationToken) });
            copied++;
        }
        if (copied == 0) return;
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Copied {Count} Data Protection key(s) from {Folder} into the database", copied, folder.FullName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
