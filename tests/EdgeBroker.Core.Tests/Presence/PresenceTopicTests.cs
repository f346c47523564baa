using EdgeBroker.Core.Presence;

namespace EdgeBroker.Core.Tests.Presence;

public class PresenceTopicTests
{
    [Theory]
    [InlineData("GID_x", "connect", "$SYS/presence/GID_x/connect")]
    [InlineData("default", "tcpclean", "$SYS/presence/default/tcpclean")]
    public void For_IsTheGroupAndEventTypeUnderSysPresence(string groupId, string eventType, string topic)
    {
        Assert.Equal(topic, PresenceTopic.For(groupId, eventType));
    }

    [Theory]
    [InlineData("GID_sensors", "GID_sensors")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a+b#", "a%2Bb%23")]
    [InlineData("100%", "100%25")]
    public void GroupLevel_PercentEncodesWhatWouldBreakTheLevel(string groupId, string level)
    {
        Assert.Equal(level, PresenceTopic.GroupLevel(groupId));
    }

    [Theory]
    [InlineData("%2F", "/")]
    [InlineData("%", "%25")]
    public void GroupLevel_KeepsDifferentGroupsApart(string one, string other)
    {
        Assert.NotEqual(PresenceTopic.GroupLevel(one), PresenceTopic.GroupLevel(other));
    }
}
