using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Flow;

/// <summary>A message the engine did not send because its expiry interval ran out while it waited in the connection's
/// queue is deleted [MQTT-3.3.2-5]: counted as dropped, and not kept or resent.</summary>
public class DiscardedExpiredTests
{
    [Fact]
    public void AKeptMessage_IsReleasedAndCounted_AndNotSentAgainOnReconnect()
    {
        var broker = new TestBroker();
        var receiver = broker.ConnectSubscribed("slow", TestBroker.Persistent, "a/#");
        broker.Publish("sender", "a/short", qos: 1, payload: "expired while it waited");
        var delivery = Assert.Single(receiver.Received);
        Assert.Equal(1, broker.Offline.Count("slow"));

        broker.Core.DiscardedExpired("slow", delivery.DeliveryTag);

        Assert.Equal(0, broker.Offline.Count("slow"));
        Assert.Equal(1, broker.Counters.ExpiredDropped);
        Assert.Equal(1, BrokerStatus.Take(broker.Core, new Engine()).PublishDropped);
        broker.Disconnect(receiver);
        Assert.Empty(broker.Connect("slow", TestBroker.Persistent, cleanStart: false).Received);
    }

    [Fact]
    public void AnUntrackedMessage_IsCounted()
    {
        var broker = new TestBroker();

        broker.Core.DiscardedExpired("anyone", deliveryTag: 0);

        Assert.Equal(1, broker.Counters.ExpiredDropped);
    }

    sealed class Engine : IEngineStatistics
    {
        public long BytesReceived => 0;

        public long BytesSent => 0;

        public int RetainedCount => 0;

        public int HeapFreeBytes => -1;
    }
}
