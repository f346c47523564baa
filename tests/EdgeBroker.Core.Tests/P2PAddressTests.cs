using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Tests;

public class P2PAddressTests
{
    [Theory]
    [InlineData("a/p2p/GID_x@@@dev1", "a", "GID_x@@@dev1")]
    [InlineData("home/p2p/dev1", "home", "dev1")]
    [InlineData("a/p2p/x", "a", "x")]
    [InlineData("a/p2p/p2p", "a", "p2p")]
    [InlineData("température/p2p/capteur-é", "température", "capteur-é")]
    public void P2PAddress_YieldsReceiverAndParent(string topic, string parent, string receiver)
    {
        int receiverStart = P2PAddress.ReceiverStart(topic);

        Assert.True(receiverStart >= 0, "expected a P2P address");
        Assert.Equal(receiver, topic.Substring(receiverStart));
        Assert.Equal(parent, P2PAddress.ParentTopic(topic, receiverStart));
    }

    [Theory]
    [InlineData("a/b/p2p/x")]    // more than three levels before the receiver
    [InlineData("a/p2p/")]       // empty receiver
    [InlineData("a/p2p")]        // no receiver level
    [InlineData("a/p2p/x/y")]    // receiver contains '/'
    [InlineData("a/p2p/x/")]
    [InlineData("p2p/x")]        // no parent level
    [InlineData("/p2p/x")]       // empty parent level
    [InlineData("$SYS/p2p/x")]   // reserved parent
    [InlineData("a/P2P/x")]      // the marker is case-sensitive
    [InlineData("a/p2px/y")]     // the marker is a whole level
    [InlineData("a/xp2p/y")]
    [InlineData("a/p2/x")]
    [InlineData("a")]
    [InlineData("a/b/c")]
    public void NearMisses_AreNotP2PAddresses(string topic)
    {
        Assert.Equal(-1, P2PAddress.ReceiverStart(topic));
    }

    [Fact]
    public void For_BuildsAnAddressThatParsesBack()
    {
        string topic = P2PAddress.For("a", "GID_x@@@dev1");
        int receiverStart = P2PAddress.ReceiverStart(topic);

        Assert.Equal("a/p2p/GID_x@@@dev1", topic);
        Assert.Equal("GID_x@@@dev1", topic.Substring(receiverStart));
        Assert.Equal("a", P2PAddress.ParentTopic(topic, receiverStart));
    }
}
