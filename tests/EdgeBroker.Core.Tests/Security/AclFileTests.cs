using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>mosquitto's acl_file format and decisions (mosquitto.conf(5), src/security_default.c), with SUBSCRIBE decided
/// once per filter.</summary>
public class AclFileTests
{
    const string Example = """
        # This affects access control for clients with no username.
        topic read $SYS/#
        topic sensors/public

        # This only affects clients with username "roger".
        user roger
        topic foo/bar
        topic read home/#
        topic deny home/secret
        topic write   cmd/with space

        # This affects all clients.
        pattern write $SYS/broker/connection/%c/state
        pattern readwrite devices/%u/#
        pattern read clients/%c
        pattern deny devices/+/locked
        """;

    static readonly AclFile File = AclFile.Parse(Example);

    [Theory]
    [InlineData(null, "sensors/public", true)]          // anonymous section, no access word: readwrite
    [InlineData(null, "foo/bar", false)]                // roger's line, not the anonymous client's
    [InlineData("roger", "foo/bar", true)]
    [InlineData("roger", "home/kitchen", false)]        // read only
    [InlineData("roger", "cmd/with space", true)]       // a filter with a space after an access word
    [InlineData("roger", "devices/roger/state", true)]  // %u
    [InlineData("roger", "devices/alice/state", false)]
    [InlineData(null, "devices/c1/state", false)]       // %u never applies without a user name
    [InlineData("roger", "$SYS/broker/connection/c1/state", true)]  // %c
    [InlineData("roger", "$SYS/broker/connection/c2/state", false)]
    [InlineData("roger", "sensors/public", false)]      // a user does not get the anonymous lines
    public void Publish_needs_a_write_line_that_matches(string? userName, string topic, bool allowed)
    {
        Assert.Equal(allowed, File.MayPublish("c1", userName, topic));
    }

    [Theory]
    [InlineData(null, "$SYS/broker/uptime", true)]
    [InlineData(null, "$SYS/#", true)]
    [InlineData(null, "#", false)]
    [InlineData("roger", "home/+/temp", true)]
    [InlineData("roger", "home/secret", false)]         // deny wins over the broader read line
    [InlineData("roger", "home/#", false)]              // could receive home/secret: refused, decided once per filter
    [InlineData("roger", "home/+", false)]
    [InlineData("roger", "cmd/with space", false)]      // write only
    [InlineData("roger", "clients/c1", true)]
    [InlineData("roger", "clients/+", false)]           // the pattern covers only the client's own level
    [InlineData("roger", "devices/roger/x", true)]      // roger's own lines give no answer, the patterns do
    public void Subscribe_needs_a_read_line_covering_the_whole_filter_and_no_deny_overlapping_it(string? userName, string filter, bool allowed)
    {
        Assert.Equal(allowed, File.MaySubscribe("c1", userName, filter));
    }

    [Fact]
    public void A_pattern_deny_does_not_override_a_grant_of_the_users_own_lines()
    {
        var file = AclFile.Parse("user roger\ntopic devices/x/locked\npattern deny devices/+/locked\n");

        Assert.True(file.MayPublish("c1", "roger", "devices/x/locked"));
        Assert.False(file.MayPublish("c1", "alice", "devices/x/locked"));
    }

    [Theory]
    [InlineData("dev+1", null)]
    [InlineData("c1", "ro#ger")]
    public void A_wildcard_in_the_client_id_or_user_name_is_refused_by_the_patterns(string clientId, string? userName)
    {
        var file = AclFile.Parse("pattern readwrite %c/#\npattern readwrite x/#\n");

        Assert.False(file.MayPublish(clientId, userName, "x/y"));
    }

    [Theory]
    [InlineData("topic", "line 1: no topic")]
    [InlineData("user", "line 1: user without a user name")]
    [InlineData("# comment\ntopic sometimes a/b", "line 2: access 'sometimes'")]
    [InlineData("topic read a/#/b", "line 1: 'a/#/b' is not a valid topic filter")]
    [InlineData("\n\nallow a/b", "line 3: 'allow' is not topic, pattern or user")]
    public void An_invalid_line_is_refused_with_its_number(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => AclFile.Parse(text));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Windows_line_ends_and_blank_lines_are_accepted()
    {
        var file = AclFile.Parse("topic read a/#\r\n\r\n   \r\nuser u\r\ntopic b\r\n");

        Assert.True(file.MaySubscribe("c", null, "a/x"));
        Assert.True(file.MayPublish("c", "u", "b"));
    }
}
