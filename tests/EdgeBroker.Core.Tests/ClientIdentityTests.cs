using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Tests;

public class ClientIdentityTests
{
    [Theory]
    [InlineData("GID_a@@@d", "GID_a")]
    [InlineData("GID_sensors@@@DEVICE_001", "GID_sensors")]
    [InlineData("GID_a@@@b@@@c", "GID_a")]   // the first separator counts
    [InlineData("plain", ClientIdentity.DefaultGroup)]
    [InlineData("@@@d", ClientIdentity.DefaultGroup)]   // empty group
    [InlineData("GID_a@@d", ClientIdentity.DefaultGroup)]
    [InlineData("", ClientIdentity.DefaultGroup)]
    public void GroupOf_IsThePartBeforeTheFirstSeparator(string clientId, string group)
    {
        Assert.Equal(group, ClientIdentity.GroupOf(clientId));
    }

    [Fact]
    public void GroupOf_ComparesOrdinally_LikeNanoFramework()
    {
        // A soft hyphen (U+00AD) is ignorable under culture-sensitive (ICU) comparison, so a culture-aware search
        // finds "@@@" in "x@\u00AD@@d"; nanoFramework compares ordinally and does not. Both engines must agree.
        Assert.Equal(ClientIdentity.DefaultGroup, ClientIdentity.GroupOf("x@\u00AD@@d"));
    }

    [Theory]
    [InlineData("GID_a@@@d", "GID_a@@@d")]
    [InlineData("GID_a@@@b@@@c", "GID_a@@@b@@@c")]
    [InlineData("plain", "plain")]
    [InlineData("@@@d", "@@@d")]
    [InlineData("GID_a@@d", "GID_a@@d")]
    [InlineData("GID_ab@@@d", "GID_ab@@@d")]
    [InlineData("x@\u00AD@@d", "x@\u00AD@@d")]
    public void IsInGroup_AgreesWithGroupOf_ForTheClientIdAtTheEndOfATopic(string clientId, string same)
    {
        string topic = "parent/p2p/" + same;
        int start = topic.Length - clientId.Length;

        Assert.True(ClientIdentity.IsInGroup(topic, start, ClientIdentity.GroupOf(clientId)));
        Assert.False(ClientIdentity.IsInGroup(topic, start, "GID_a" + "x"));
        Assert.False(ClientIdentity.IsInGroup(topic, start, "GID"));
    }
}
