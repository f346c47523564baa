using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>The QoS 2 handshakes a session keeps across its connections (MQTT 3.1.1 §4.1, §4.3.3, §4.4): inbound
/// identifiers routed and awaiting PUBREL, outbound identifiers released and awaiting PUBCOMP.</summary>
public class Qos2ExchangeTests
{
    const string Publisher = "publisher";
    const string Subscriber = "subscriber";
    const string Topic = "exactly/once";

    readonly TestBroker _broker = new();

    [Fact]
    public void An_inbound_identifier_awaits_its_pubrel_across_a_reconnect_of_a_persistent_session()
    {
        var first = _broker.Connect(Publisher, TestBroker.Persistent);
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived(Publisher, 7));
        _broker.Core.Qos2Accepted(Publisher, 7);
        Assert.Equal(BrokerCore.Qos2Resent, _broker.Core.Qos2Arrived(Publisher, 7));
        _broker.Disconnect(first);

        _broker.Connect(Publisher, TestBroker.Persistent, cleanStart: false);

        Assert.Equal(BrokerCore.Qos2Resent, _broker.Core.Qos2Arrived(Publisher, 7));
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived(Publisher, 8));
        Assert.True(_broker.Core.Qos2Released(Publisher, 7));
        Assert.False(_broker.Core.Qos2Released(Publisher, 7));
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived(Publisher, 7));
    }

    [Fact]
    public void A_clean_start_or_a_session_that_ends_with_its_connection_forgets_the_inbound_identifiers()
    {
        var persistent = _broker.Connect(Publisher, TestBroker.Persistent);
        _broker.Core.Qos2Accepted(Publisher, 7);
        _broker.Disconnect(persistent);
        _broker.Connect(Publisher, TestBroker.Persistent, cleanStart: true);
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived(Publisher, 7));

        var clean = _broker.Connect("clean", TestBroker.EndsWithConnection);
        _broker.Core.Qos2Accepted("clean", 3);
        _broker.Disconnect(clean);
        _broker.Connect("clean", TestBroker.EndsWithConnection);
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived("clean", 3));
    }

    [Fact]
    public void A_session_holds_at_most_the_configured_number_of_inbound_identifiers()
    {
        _broker.Core.MaxAwaitingRelease = 2;
        _broker.Connect(Publisher, TestBroker.Persistent);
        _broker.Core.Qos2Accepted(Publisher, 1);
        _broker.Core.Qos2Accepted(Publisher, 2);

        Assert.Equal(BrokerCore.Qos2TooMany, _broker.Core.Qos2Arrived(Publisher, 3));
        Assert.Equal(BrokerCore.Qos2Resent, _broker.Core.Qos2Arrived(Publisher, 2));
        _broker.Core.Qos2Released(Publisher, 1);
        Assert.Equal(BrokerCore.Qos2Route, _broker.Core.Qos2Arrived(Publisher, 3));
    }

    [Fact]
    public void A_released_delivery_is_not_sent_as_a_publish_again_and_is_let_go_at_its_pubcomp()
    {
        _broker.ConnectThenLeave(Subscriber, TestBroker.Persistent, Topic);
        _broker.Publish(Publisher, Topic, qos: 2, payload: "one");
        _broker.Publish(Publisher, Topic, qos: 2, payload: "two");
        var first = _broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false);
        Assert.Equal(["one", "two"], first.Payloads);
        Assert.Null(_broker.Core.Qos2ReleasesToResend(Subscriber));

        // PUBREC for "one" (sent with packet identifier 1 by the engine): the PUBREL goes out; the message stays kept
        // until the PUBCOMP (a restart, which forgets the release, sends it again rather than lose it).
        _broker.Core.Qos2DeliveryReceived(Subscriber, first.Received[0].DeliveryTag, 1);
        Assert.Equal(2, _broker.Offline.Count(Subscriber));
        _broker.Disconnect(first);

        var second = _broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false);

        // Only the unreleased message comes again as a PUBLISH; the released one is resumed at its PUBREL.
        Assert.Equal(["two"], second.Payloads);
        Assert.True(second.Received[0].Duplicate);
        Assert.Equal([1], _broker.Core.Qos2ReleasesToResend(Subscriber));
        Assert.True(_broker.Core.Qos2Completed(Subscriber, 1));
        Assert.Equal(1, _broker.Offline.Count(Subscriber));
        Assert.False(_broker.Core.Qos2Completed(Subscriber, 1));
        Assert.Null(_broker.Core.Qos2ReleasesToResend(Subscriber));
    }

    [Fact]
    public void A_released_delivery_in_a_batch_counts_until_its_pubcomp()
    {
        var broker = new TestBroker(batchSize: 2);
        broker.ConnectThenLeave(Subscriber, TestBroker.Persistent, Topic);
        foreach (var payload in new[] { "one", "two", "three" })
        {
            broker.Publish(Publisher, Topic, qos: 2, payload: payload);
        }

        var first = broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false);
        Assert.Equal(["one", "two"], first.Payloads);
        broker.Core.Qos2DeliveryReceived(Subscriber, first.Received[0].DeliveryTag, 1);
        broker.Disconnect(first);

        // The batch is the released "one" (its PUBREL) and "two"; "three" follows once both are complete.
        var second = broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false);
        Assert.Equal(["two"], second.Payloads);
        broker.Core.Acknowledge(Subscriber, second.Received[0].DeliveryTag);
        Assert.Equal(["two"], second.Payloads);
        broker.Core.Qos2Completed(Subscriber, 1);
        Assert.Equal(["two", "three"], second.Payloads);
    }

    [Fact]
    public void Released_identifiers_are_resent_in_the_order_they_were_released_and_a_clean_start_forgets_them()
    {
        _broker.Connect(Subscriber, TestBroker.Persistent);
        _broker.Core.Qos2DeliveryReceived(Subscriber, 0, 5);
        _broker.Core.Qos2DeliveryReceived(Subscriber, 0, 3);
        _broker.Core.Qos2DeliveryReceived(Subscriber, 0, 9);
        _broker.Core.Qos2Completed(Subscriber, 5);
        Assert.Equal([3, 9], _broker.Core.Qos2ReleasesToResend(Subscriber));

        _broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: true);
        Assert.Null(_broker.Core.Qos2ReleasesToResend(Subscriber));
    }
}
