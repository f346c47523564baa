using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Flow;

/// <summary>A message the engine did not send because it exceeded the client's Maximum Packet Size is done with: counted,
/// and not kept or resent ([MQTT-3.1.2-25]).</summary>
public class DiscardedTooLargeTests
{
    [Fact]
    public void AKeptMessage_IsReleasedAndCounted_AndNotSentAgainOnReconnect()
    {
        var broker = new TestBroker();
        var receiver = broker.ConnectSubscribed("small", TestBroker.Persistent, "a/#");
        broker.Publish("sender", "a/big", qos: 1, payload: "too large for the client");
        var delivery = Assert.Single(receiver.Received);
        Assert.Equal(1, broker.Offline.Count("small"));

        broker.Core.DiscardedTooLarge("small", delivery.DeliveryTag);

        Assert.Equal(0, broker.Offline.Count("small"));
        Assert.Equal(1, broker.Counters.TooLargeDropped);
        broker.Disconnect(receiver);
        Assert.Empty(broker.Connect("small", TestBroker.Persistent, cleanStart: false).Received);
    }

    [Fact]
    public void AnUntrackedMessage_IsCounted()
    {
        var broker = new TestBroker();

        broker.Core.DiscardedTooLarge("anyone", deliveryTag: 0);

        Assert.Equal(1, broker.Counters.TooLargeDropped);
    }
}
