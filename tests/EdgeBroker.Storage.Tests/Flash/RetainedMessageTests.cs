using System.Text;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>Retained messages in the flash log, as the core's <see cref="RetainedMessages"/> keeps them there: they
/// come back after a restart as they were last set, survive compactions, and are refused when the log is full.</summary>
public sealed class RetainedMessageTests : FlashLogFixture
{
    RetainedMessages Retained => new(32, Store.Retained);

    [Fact]
    public void TheLastRetainedMessageOfEachTopic_ComesBackAfterARestart_AndClearedTopicsStayCleared()
    {
        var retained = Retained;
        Assert.True(retained.Update(Messages.Message("status/gateway", "starting", qos: 0, retain: true)));
        Assert.True(retained.Update(Messages.Message("status/gateway", "online", qos: 1, retain: true)));
        Assert.True(retained.Update(Messages.Message("status/old", "soon gone", retain: true)));
        Assert.True(retained.Update(Messages.Message("status/old", "", retain: true)));

        Close();
        var back = Kept(Retained);

        var message = Assert.Single(back);
        Assert.Equal("status/gateway", message.Topic);
        Assert.Equal("online", Payload(message));
        Assert.Equal(1, message.Qos);
        Assert.True(message.Retain);
    }

    [Fact]
    public void RetainedMessages_SurviveCompactions_WithinTheBound()
    {
        FlashLimits.MaxLogBytes = 4096;
        FlashLimits.CompactAtDeadBytes = 2048;
        FlashLimits.SessionReserveBytes = 512;
        var retained = Retained;
        retained.Update(Messages.Message("config/a", "fixed", retain: true));
        int largest = 0;
        for (int i = 0; i < 300; i++)
        {
            Assert.True(retained.Update(Messages.Message("sensors/t", "reading " + i, retain: true)));
            largest = Math.Max(largest, Store.LogBytes);
        }

        Close();

        Assert.InRange(largest, 0, FlashLimits.MaxLogBytes);
        Assert.Equal(["config/a fixed", "sensors/t reading 299"], Kept(Retained).Select(m => m.Topic + " " + Payload(m)).Order());
    }

    [Fact]
    public void WhenTheLogIsFull_ARetainedMessageIsRefused_AndTheTopicKeepsWhatItHad()
    {
        FlashLimits.MaxLogBytes = 2048;
        FlashLimits.SessionReserveBytes = 512;
        var retained = Retained;
        Assert.True(retained.Update(Messages.Message("big/a", new string('a', 700), retain: true)));
        Assert.True(retained.Update(Messages.Message("big/b", new string('b', 700), retain: true)));

        Assert.False(retained.Update(Messages.Message("big/c", new string('c', 700), retain: true)));
        Assert.Equal(1, retained.Refused);
        Close();
        Assert.Equal(["big/a", "big/b"], Kept(Retained).Select(m => m.Topic).Order());
    }

    static List<RoutedMessage> Kept(RetainedMessages retained)
    {
        var into = new System.Collections.ArrayList();
        retained.CollectMatching("#", into);
        return into.Cast<RoutedMessage>().ToList();
    }

    static string Payload(RoutedMessage message) => Encoding.UTF8.GetString(message.Payload, message.PayloadOffset, message.PayloadLength);
}
