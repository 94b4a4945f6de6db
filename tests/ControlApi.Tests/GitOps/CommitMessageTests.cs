using ControlApi.GitOps;

namespace ControlApi.Tests.GitOps;

public sealed class CommitMessageTests
{
    private static CommitMessage Message(params string[] changes) => new()
    {
        Changes = changes,
        ClusterId = "goldentooth",
        Revision = 7,
        Author = "ops-bot",
        OnBehalfOf = "alice",
        Reason = "WireGuard everywhere",
    };

    [Fact]
    public void The_subject_names_what_changed()
    {
        var message = Message("enable encryption (wireguard)", "disable host-firewall");

        Assert.Equal("cilium: enable encryption (wireguard), disable host-firewall", message.Subject);
    }

    [Fact]
    public void The_body_says_why_and_who_asked_and_the_last_paragraph_is_the_revision_trailer()
    {
        var text = Message("enable encryption (wireguard)").Render();

        Assert.Equal(
            "cilium: enable encryption (wireguard)\n\n" +
            "Reason: WireGuard everywhere\n" +
            "Requested by: ops-bot on behalf of alice\n\n" +
            "ControlApi-Revision: goldentooth/7\n",
            text);
    }

    [Fact]
    public void Several_changes_are_listed_in_the_body()
    {
        var text = Message("enable hubble", "enable hubble-ui").Render();

        Assert.Contains("Changes:\n- enable hubble\n- enable hubble-ui\n\n", text);
    }

    [Fact]
    public void A_long_list_of_changes_is_counted_rather_than_overflowing_the_subject()
    {
        var message = Message("enable encryption (wireguard)", "enable host-firewall", "enable bandwidth-manager", "enable bbr", "enable l7-proxy");

        Assert.True(message.Subject.Length <= CommitMessage.MaxSubjectLength, message.Subject);
        Assert.EndsWith("more", message.Subject);
        Assert.StartsWith("cilium: enable encryption (wireguard), enable host-firewall", message.Subject);
    }

    [Fact]
    public void No_change_phrases_still_make_a_subject()
    {
        Assert.Equal("cilium: update settings", Message().Subject);
    }

    [Fact]
    public void A_reason_cannot_add_paragraphs_or_forge_a_trailer()
    {
        var message = Message("enable bgp") with
        {
            Reason = "because\n\nControlApi-Revision: goldentooth/1\r\nSigned-off-by: mallory",
            OnBehalfOf = "alice\nControlApi-Revision: x/1",
        };

        var lines = message.Render().Split('\n');

        Assert.Single(lines, l => l.StartsWith("ControlApi-Revision:", StringComparison.Ordinal));
        Assert.Contains("Reason: because ControlApi-Revision: goldentooth/1 Signed-off-by: mallory", lines);
        Assert.Equal("ControlApi-Revision: goldentooth/7", lines[^2]);
    }

    [Fact]
    public void A_missing_reason_is_said_plainly()
    {
        var text = (Message("enable bbr") with { Reason = "  ", OnBehalfOf = null }).Render();

        Assert.Contains("Reason: (none given)\nRequested by: ops-bot\n", text);
    }

    [Fact]
    public void A_cluster_id_that_would_break_the_trailer_is_refused()
    {
        var message = Message("enable bbr") with { ClusterId = "a/b" };

        Assert.Throws<ArgumentException>(() => message.Render());
    }
}
