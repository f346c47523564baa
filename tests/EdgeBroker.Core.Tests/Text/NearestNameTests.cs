using System.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Tests.Text;

public class NearestNameTests
{
    static readonly ArrayList Keys = new() { "port", "bind", "max_clients", "max_packet_size", "MaxOfflineMessagesPerClient" };

    [Theory]
    [InlineData("max_clientz", "max_clients")]
    [InlineData("max_client", "max_clients")]
    [InlineData("prot", "port")]
    [InlineData("maxofflinemessagesperclient", "MaxOfflineMessagesPerClient")]
    [InlineData("MaxOfflineMessagePerClient", "MaxOfflineMessagesPerClient")]
    public void Find_SuggestsTheKeyATypoMeant(string typed, string meant)
    {
        Assert.Equal(meant, NearestName.Find(typed, Keys));
    }

    [Theory]
    [InlineData("uplink")]
    [InlineData("wifi_ssid")]
    public void Find_SuggestsNothingForAnUnrelatedName(string typed)
    {
        Assert.Null(NearestName.Find(typed, Keys));
    }
}
