using ControlApi.Data;
using ControlApi.Notifications;
using ControlApi.Tests.GitOps.Support;
using ControlApi.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ControlApi.Tests.Webhooks;

/// <summary>The Data Protection key ring is in the database, so every replica decrypts what another encrypted.</summary>
public sealed class KeyRingTests
{
    [Fact]
    public async Task A_secret_protected_by_one_process_is_readable_by_the_next_from_keys_in_the_database_alone()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        Directory.CreateDirectory(data);
        string protectedSecret;
        using (var first = new ControlApiFactory(dataDirectory: data))
        {
            protectedSecret = first.Services.GetRequiredService<WebhookSecrets>().Protect("whsec-0123456789abcdef");
            await using var scope = first.Services.CreateAsyncScope();
            Assert.NotEmpty(await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().DataProtectionKeys.ToListAsync());
        }
        // Nothing on disk to fall back on: the next process (or replica) has only the database.
        Assert.False(Directory.Exists(Path.Combine(data, "keys")));

        using var second = new ControlApiFactory(dataDirectory: data);
        Assert.Equal("whsec-0123456789abcdef", second.Services.GetRequiredService<WebhookSecrets>().Unprotect(protectedSecret));
    }

    [Fact]
    public async Task Start_creates_no_key_the_first_secret_creates_one_and_later_secrets_share_it()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        Directory.CreateDirectory(data);
        using var factory = new ControlApiFactory(dataDirectory: data);
        using var client = factory.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Empty(await KeysAsync(factory));

        var secrets = factory.Services.GetRequiredService<WebhookSecrets>();
        var first = secrets.Protect("whsec-first-0123456789");
        var second = secrets.Protect("whsec-second-0123456789");

        Assert.Single(await KeysAsync(factory));
        Assert.Equal("whsec-first-0123456789", secrets.Unprotect(first));
        Assert.Equal("whsec-second-0123456789", secrets.Unprotect(second));
    }

    private static async Task<List<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>> KeysAsync(ControlApiFactory factory)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ControlApiDbContext>().DataProtectionKeys.AsNoTracking().ToListAsync();
    }

    [Fact]
    public void A_key_ring_an_earlier_version_kept_in_the_data_directory_is_copied_into_the_database()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        Directory.CreateDirectory(data);
        // What an earlier version did: keys as files in {data}/keys, same application name and purpose.
        var legacy = DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(data, "keys")), builder => builder.SetApplicationName("ControlApi"));
        var protectedSecret = legacy.CreateProtector("ControlApi.Webhooks.Secret.v1").Protect("whsec-from-before");

        using (var upgraded = new ControlApiFactory(dataDirectory: data))
            Assert.Equal("whsec-from-before", upgraded.Services.GetRequiredService<WebhookSecrets>().Unprotect(protectedSecret));

        // Copied once: a second start finds the key there and adds nothing.
        Directory.Delete(Path.Combine(data, "keys"), recursive: true);
        using (var again = new ControlApiFactory(dataDirectory: data))
            Assert.Equal("whsec-from-before", again.Services.GetRequiredService<WebhookSecrets>().Unprotect(protectedSecret));
    }
}
