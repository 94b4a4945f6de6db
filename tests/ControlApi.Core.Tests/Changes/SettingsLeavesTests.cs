using ControlApi.Core.Settings;

namespace ControlApi.Core.Tests.Changes;

public sealed class SettingsLeavesTests
{
    [Fact]
    public void Each_changed_leaf_is_listed_by_JSON_pointer_with_its_old_and_new_value()
    {
        var before = CiliumSettings.Defaults;
        var after = before with
        {
            Encryption = before.Encryption with { Enabled = true },
            HostFirewall = before.HostFirewall with { Enabled = !before.HostFirewall.Enabled },
        };

        var changes = SettingsChanges.Leaves(before, after);

        Assert.Equal(["/encryption/enabled", "/hostFirewall/enabled"], changes.Select(c => c.Pointer));
        var encryption = changes[0];
        Assert.False(encryption.Old!.Value.GetBoolean());
        Assert.True(encryption.New!.Value.GetBoolean());
        Assert.Empty(SettingsChanges.Leaves(after, after));
    }
}
