using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Monitoring;

public class SysTreeTests
{
    const long Start = 1_800_000_000_000;

    /// <summary>The tree's last topic without pairing (no security) and without a measured heap.</summary>
    const string LastTopic = "$SYS/broker/edgebroker/quota/dropped";

    sealed class Engine : IEngineStatistics
    {
        public long BytesReceived { get; set; }

        public long BytesSent { get; set; }

        public int RetainedCount { get; set; }

        public int HeapFreeBytes { get; set; } = -1;
    }

    [Fact]
    public void Publishes_at_the_first_tick_then_once_per_interval()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/uptime");
        var tree = new SysTree(broker.Core, new Engine(), 10, Start);

        TickAndDrain(broker, tree, Start + 1_000, watcher);
        TickAndDrain(broker, tree, Start + 9_000, watcher);
        TickAndDrain(broker, tree, Start + 11_000, watcher);

        Assert.Equal(["1 seconds", "11 seconds"], watcher.Payloads);
    }

    [Fact]
    public void An_interval_of_zero_publishes_nothing()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/#");

        new SysTree(broker.Core, new Engine(), 0, Start).Tick(Start + 60_000);

        Assert.Empty(watcher.Payloads);
    }

    [Fact]
    public void Counts_client_publishes_not_its_own_and_keeps_the_highest_client_count()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/messages/received", "$SYS/broker/clients/maximum",
            "$SYS/broker/clients/total", "$SYS/broker/bytes/received");
        var engine = new Engine { BytesReceived = 1234 };
        var tree = new SysTree(broker.Core, engine, 1, Start);
        var sensor = broker.Connect("sensor");
        broker.Publish("sensor", "readings");

        TickAndDrain(broker, tree, Start + 1_000, watcher);
        broker.Disconnect(sensor);
        TickAndDrain(broker, tree, Start + 2_000, watcher);

        Assert.Equal(["1", "1"], Values(watcher, "$SYS/broker/messages/received"));
        Assert.Equal(["2", "2"], Values(watcher, "$SYS/broker/clients/maximum"));
        Assert.Equal(["2", "1"], Values(watcher, "$SYS/broker/clients/total"));
        Assert.Equal(["1234", "1234"], Values(watcher, "$SYS/broker/bytes/received"));
    }

    /// <summary>The connected count is kept as connections change rather than counted at each publication: a takeover,
    /// a clean start over a live session, a persistent session going away and one expiring each leave it right.</summary>
    [Fact]
    public void Counts_connected_and_disconnected_clients_through_takeovers_clean_starts_and_expiries()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/clients/connected", "$SYS/broker/clients/disconnected");
        var tree = new SysTree(broker.Core, new Engine(), 1, Start);
        var kept = broker.Connect("kept", sessionExpirySeconds: 60);
        var keptAgain = broker.Connect("kept", sessionExpirySeconds: 60, cleanStart: false);
        var fresh = broker.Connect("fresh", TestBroker.Persistent);
        broker.Connect("fresh", TestBroker.Persistent, cleanStart: true);
        var gone = broker.Connect("gone");
        TickAndDrain(broker, tree, Start + 1_000, watcher);

        // The first two end connections already replaced: nothing changes.
        broker.Disconnect(kept);
        broker.Disconnect(fresh);
        broker.Disconnect(gone);
        TickAndDrain(broker, tree, Start + 2_000, watcher);
        broker.Disconnect(keptAgain);
        TickAndDrain(broker, tree, Start + 3_000, watcher);
        broker.Core.ExpireSessions(Clock.NowMs() + 61_000);
        TickAndDrain(broker, tree, Start + 4_000, watcher);

        Assert.Equal(["4", "3", "2", "2"], Values(watcher, "$SYS/broker/clients/connected"));
        Assert.Equal(["0", "0", "1", "0"], Values(watcher, "$SYS/broker/clients/disconnected"));
    }

    [Fact]
    public void Publishes_the_free_heap_only_where_the_engine_measures_it()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/edgebroker/heap/free");
        var engine = new Engine();
        var tree = new SysTree(broker.Core, engine, 1, Start);

        TickAndDrain(broker, tree, Start + 1_000, watcher);
        engine.HeapFreeBytes = 61_440;
        TickAndDrain(broker, tree, Start + 2_000, watcher);

        Assert.Equal(["61440"], Values(watcher, "$SYS/broker/edgebroker/heap/free"));
    }

    [Fact]
    public void Publishes_the_will_budget_held_bytes_its_limit_and_the_connects_refused_for_it()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/edgebroker/will/#");
        var will = TestBroker.Message("status/dev1", payload: "gone");
        var counted = broker.Core.WillFootprint(will);
        broker.Core.MaxWillBytes = counted;
        var tree = new SysTree(broker.Core, new Engine(), 1, Start);
        broker.ConnectWithWill("dev1", will);
        Assert.Null(broker.ConnectWithWill("dev2", TestBroker.Message("status/dev2", payload: "gone")));

        TickAndDrain(broker, tree, Start + 1_000, watcher);

        Assert.Equal([counted.ToString()], Values(watcher, "$SYS/broker/edgebroker/will/held-bytes"));
        Assert.Equal([counted.ToString()], Values(watcher, "$SYS/broker/edgebroker/will/max-bytes"));
        Assert.Equal(["1"], Values(watcher, "$SYS/broker/edgebroker/will/refused"));
    }

    [Fact]
    public void Publishes_the_retained_bytes_their_limit_the_retained_and_connects_refused_and_the_quota_drops()
    {
        var broker = new TestBroker(offlineQuota: 1);
        var retained = new RetainedMessages(10, 1_000, null, null);
        broker.Core.Retained = retained;
        broker.Core.KeepRetained = message => retained.Update(message);
        broker.Core.MaxSessions = 3;
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/edgebroker/#");
        var tree = new SysTree(broker.Core, new Engine(), 1, Start);
        broker.ConnectThenLeave("away", TestBroker.Persistent, "quota/#");
        broker.Connect("publisher");
        broker.Publish("publisher", "r/kept", retain: true);
        broker.Publish("publisher", "r/refused", retain: true, payload: new string('x', 1_000));
        broker.Publish("publisher", "quota/x", qos: 1, payload: "kept");
        broker.Publish("publisher", "quota/x", qos: 1, payload: "over the quota");
        Assert.Null(broker.Core.ReserveSession("no-place", false));

        TickAndDrain(broker, tree, Start + 1_000, watcher);

        Assert.Equal([retained.Bytes.ToString()], Values(watcher, "$SYS/broker/edgebroker/retained/held-bytes"));
        Assert.Equal(["1000"], Values(watcher, "$SYS/broker/edgebroker/retained/max-bytes"));
        Assert.Equal(["1"], Values(watcher, "$SYS/broker/edgebroker/retained/refused"));
        Assert.Equal(["1"], Values(watcher, "$SYS/broker/edgebroker/sessions/refused"));
        Assert.Equal(["1"], Values(watcher, "$SYS/broker/edgebroker/quota/dropped"));
    }

    [Fact]
    public void Sends_the_tree_a_batch_at_a_time_as_the_subscribers_queue_empties()
    {
        var broker = new TestBroker();
        var watcher = broker.ConnectSubscribed("watcher", "$SYS/broker/#");
        var tree = new SysTree(broker.Core, new Engine(), 10, Start);

        tree.Tick(Start + 1_000);
        Assert.Equal(SysPublication.BatchSize, watcher.Received.Count);
        broker.Core.OutboundRoom(watcher.ClientId, watcher);
        Assert.Equal(2 * SysPublication.BatchSize, watcher.Received.Count);

        // A drain of a connection the batch was not for sends nothing more.
        var other = broker.Connect("other");
        broker.Core.OutboundRoom(other.ClientId, other);
        Assert.Equal(2 * SysPublication.BatchSize, watcher.Received.Count);

        TickAndDrain(broker, tree, Start + 1_001, watcher);
        Assert.Equal(LastTopic, watcher.Received[^1].Topic);
        Assert.Equal(watcher.Received.Count, watcher.Received.Select(delivery => delivery.Topic).Distinct().Count());
    }

    /// <summary>A subscriber that stops reading holds each batch for <see cref="SysPublication.PatienceMs"/> at most,
    /// and the next interval's tree waits until this one is sent rather than piling up behind it.</summary>
    [Fact]
    public void A_subscriber_that_does_not_drain_holds_each_batch_for_a_second_at_most()
    {
        var broker = new TestBroker();
        var stuck = broker.ConnectSubscribed("stuck", "$SYS/broker/#");
        var tree = new SysTree(broker.Core, new Engine(), 1, Start);

        tree.Tick(Start + 1_000);
        tree.Tick(Start + 1_999);
        Assert.Equal(SysPublication.BatchSize, stuck.Received.Count);

        tree.Tick(Start + 2_000);
        Assert.Equal(2 * SysPublication.BatchSize, stuck.Received.Count);
        for (var now = Start + 3_000; now < Start + 30_000 && stuck.Received[^1].Topic != LastTopic; now += 1_000)
        {
            tree.Tick(now);
        }

        Assert.Equal(LastTopic, stuck.Received[^1].Topic);
        Assert.Single(stuck.Received, delivery => delivery.Topic == "$SYS/broker/version");
    }

    /// <summary>Ticks <paramref name="tree"/>, then tells the core <paramref name="watcher"/>'s queue emptied until no
    /// more arrives, as an engine does once each batch is written.</summary>
    static void TickAndDrain(TestBroker broker, SysTree tree, long nowMs, RecordingConnection watcher)
    {
        tree.Tick(nowMs);
        for (var received = -1; received != watcher.Received.Count;)
        {
            received = watcher.Received.Count;
            broker.Core.OutboundRoom(watcher.ClientId, watcher);
        }
    }

    static IEnumerable<string> Values(RecordingConnection watcher, string topic) =>
        watcher.Received.Where(delivery => delivery.Topic == topic).Select(delivery => delivery.Payload);
}
