using EdgeBroker.Core.Routing;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary><c>max_retained_bytes</c>: what the relay's retained messages may take of the heap, counted as the relay
/// holds them (<see cref="RetainedFootprint"/>). The delivery of a message refused by it is the end-to-end suite's
/// (DeviceLimitTests); here, what is kept and counted.</summary>
public class RetainedBoundTests
{
    const string Publisher = "publisher";

    [Fact]
    public void A_retained_message_that_would_pass_the_byte_bound_is_refused_and_a_kept_topic_can_shrink_or_be_cleared()
    {
        // Room for three messages of 600 payload bytes with their topics and the relay's objects, not four.
        int each = SizeOf("state/a", 600);
        using var relay = new SynchronousRelay(configure: settings => settings.MaxRetainedBytes = 3 * each + each / 2);
        var retained = relay.Context.Retained;
        var (client, connection) = relay.Connect(Publisher);

        foreach (var topic in new[] { "state/a", "state/b", "state/c", "state/d" })
        {
            relay.Handle(client, connection, Packets.Publish(topic, new string('p', 600), retain: true));
        }

        Assert.Equal((3, 3L * each, 1), (retained.Count, retained.Bytes, retained.Refused));
        Assert.Equal(["state/a", "state/b", "state/c"], Kept(relay));

        // A kept topic replaced by a smaller message makes room for the one refused before; clearing always works.
        relay.Handle(client, connection, Packets.Publish("state/a", "small", retain: true));
        relay.Handle(client, connection, Packets.Publish("state/d", new string('p', 600), retain: true));
        Assert.Equal(["state/a", "state/b", "state/c", "state/d"], Kept(relay));
        foreach (var topic in new[] { "state/a", "state/b", "state/c", "state/d" })
        {
            relay.Handle(client, connection, Packets.Publish(topic, "", retain: true));
        }

        Assert.Equal((0, 0L, 1), (retained.Count, retained.Bytes, retained.Refused));
        connection.Terminate();
    }

    [Fact]
    public void A_kept_message_counts_the_relays_objects_the_topic_as_utf8_and_the_publishers_client_id()
    {
        using var relay = new SynchronousRelay();
        var (client, connection) = relay.Connect(Publisher);

        // 6 characters, 10 bytes of UTF-8 (温 and 度 take 3 each): the core counts the characters, the relay the rest.
        relay.Handle(client, connection, Packets.Publish("温度/x/1", "21.5", retain: true));

        Assert.Equal(10 + 4 + RetainedFootprint.PerMessageBytes + Publisher.Length, relay.Context.Retained.Bytes);
        Assert.Equal(RetainedFootprint.PerMessageBytes + 4, RetainedFootprint.ExtraBytes(new RoutedMessage("温度/x/1", [1], 0, true)));
        connection.Terminate();
    }

    [Fact]
    public void The_default_bound_keeps_32_status_messages_but_only_3_of_the_largest_packets()
    {
        var settings = new Firmware.Relay.Settings.RelaySettings();
        int largestPayload = settings.MaxPacketSize - 3 - 2 - "r/00".Length;

        Assert.True(32 * SizeOf("site/gw-1/sensor/device-0001/status", 100) <= settings.MaxRetainedBytes);
        Assert.Equal(3, settings.MaxRetainedBytes / SizeOf("r/00", largestPayload));
    }

    /// <summary>What the relay counts for a retained message of this client's on <paramref name="topic"/> (ASCII).</summary>
    static int SizeOf(string topic, int payloadBytes) =>
        topic.Length + payloadBytes + RetainedFootprint.PerMessageBytes + Publisher.Length;

    static List<string> Kept(SynchronousRelay relay)
    {
        var kept = new System.Collections.ArrayList();
        relay.Context.Retained.CollectMatching("#", kept);
        return kept.Cast<RoutedMessage>().Select(message => message.Topic).ToList();
    }

}
