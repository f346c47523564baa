using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Monitoring;

public class SysTreeTests
{
    const long Start = 1_800_000_000_000;

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

        tree.Tick(Start + 1_000);
        tree.Tick(Start + 9_000);
        tree.Tick(Start + 11_000);

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

        tree.Tick(Start + 1_000);
        broker.Disconnect(sensor);
        tree.Tick(Start + 2_000);

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
        tree.Tick(Start + 1_000);

        // The first two end connections already replaced: nothing changes.
        broker.Disconnect(kept);
        broker.Disconnect(fresh);
        broker.Disconnect(gone);
        tree.Tick(Start + 2_000);
        broker.Disconnect(keptAgain);
        tree.Tick(Start + 3_000);
        broker.Core.ExpireSessions(Clock.NowMs() + 61_000);
        tree.Tick(Start + 4_000);

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

        tree.Tick(Start + 1_000);
        engine.HeapFreeBytes = 61_440;
        tree.Tick(Start + 2_000);

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

        tree.Tick(Start + 1_000);

        Assert.Equal([counted.ToString()], Values(watcher, "$SYS/broker/edgebroker/will/held-bytes"));
        Assert.Equal([counted.ToString()], Values(watcher, "$SYS/broker/edgebroker/will/max-bytes"));
        Assert.Equal(["1"], Values(watcher, "$SYS/broker/edgebroker/will/refused"));
    }

    static IEnumerable<string> Values(RecordingConnection watcher, string topic) =>
        watcher.Received.Where(delivery => delivery.Topic == topic).Select(delivery => delivery.Payload);
}
