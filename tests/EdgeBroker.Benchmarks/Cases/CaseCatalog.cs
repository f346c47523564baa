namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Every broker case the harness knows, in run order; each mosquitto baseline comes before the EdgeBroker cases
/// compared with it. (The store micro-benchmarks, which need no broker, are in <see cref="StoreCaseCatalog"/>.)
/// </summary>
public static class CaseCatalog
{
    public static readonly BenchmarkCase MosquittoPubSubQos0 = new("mosq-pubsub-q0", "mosquitto 1:1 pub/sub QoS 0", BrokerKind.Mosquitto, RoutingMode.PubSub, 0, false);
    public static readonly BenchmarkCase MosquittoPubSubQos1 = new("mosq-pubsub-q1", "mosquitto 1:1 pub/sub QoS 1", BrokerKind.Mosquitto, RoutingMode.PubSub, 1, false);
    public static readonly BenchmarkCase AedesPubSubQos0 = new("aedes-pubsub-q0", "aedes 1:1 pub/sub QoS 0", BrokerKind.Aedes, RoutingMode.PubSub, 0, false);
    public static readonly BenchmarkCase AedesPubSubQos1 = new("aedes-pubsub-q1", "aedes 1:1 pub/sub QoS 1", BrokerKind.Aedes, RoutingMode.PubSub, 1, false);
    public static readonly BenchmarkCase MqttNetPubSubQos0 = new("mqttnet-pubsub-q0", "plain MQTTnet server 1:1 pub/sub QoS 0", BrokerKind.MqttNetServer, RoutingMode.PubSub, 0, false);
    public static readonly BenchmarkCase MqttNetPubSubQos1 = new("mqttnet-pubsub-q1", "plain MQTTnet server 1:1 pub/sub QoS 1", BrokerKind.MqttNetServer, RoutingMode.PubSub, 1, false);
    public static readonly BenchmarkCase EmulatorP2PQos0 = new("emu-p2p-q0", "EdgeBroker emulator P2P QoS 0", BrokerKind.Emulator, RoutingMode.PointToPoint, 0, false);
    public static readonly BenchmarkCase EmulatorP2PQos1 = new("emu-p2p-q1", "EdgeBroker emulator P2P QoS 1", BrokerKind.Emulator, RoutingMode.PointToPoint, 1, false);
    public static readonly BenchmarkCase EdgeP2PQos0 = new("eb-p2p-q0", "EdgeBroker P2P QoS 0", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 0, false);
    public static readonly BenchmarkCase EdgeP2PQos1 = new("eb-p2p-q1", "EdgeBroker P2P QoS 1", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false);
    public static readonly BenchmarkCase EdgePubSubQos0 = new("eb-pubsub-q0", "EdgeBroker 1:1 pub/sub QoS 0", BrokerKind.EdgeBroker, RoutingMode.PubSub, 0, false);
    public static readonly BenchmarkCase EdgePubSubQos1 = new("eb-pubsub-q1", "EdgeBroker 1:1 pub/sub QoS 1", BrokerKind.EdgeBroker, RoutingMode.PubSub, 1, false);
    public static readonly BenchmarkCase EdgeP2PQos0Idle = new("eb-p2p-q0-idle", "EdgeBroker P2P QoS 0 + idle subscribers", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 0, true);
    public static readonly BenchmarkCase EdgePubSubQos0Idle = new("eb-pubsub-q0-idle", "EdgeBroker 1:1 pub/sub QoS 0 + idle subscribers", BrokerKind.EdgeBroker, RoutingMode.PubSub, 0, true);

    public static readonly BenchmarkCase MosquittoPubSubQos1Persistent =
        new("mosq-pubsub-q1-persist", "mosquitto 1:1 pub/sub QoS 1, persistence true", BrokerKind.Mosquitto, RoutingMode.PubSub, 1, false) { Durable = true };

    public static readonly BenchmarkCase EdgeP2PQos1Durable =
        new("eb-p2p-q1-durable", "EdgeBroker P2P QoS 1, durable", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false) { Durable = true };

    public static readonly BenchmarkCase MosquittoStoredBacklog =
        new("mosq-stored-q1", "mosquitto stored messages delivered after reconnect, persistence true", BrokerKind.Mosquitto, RoutingMode.PubSub, 1, false)
        {
            Durable = true,
            Scenario = Scenario.StoredBacklog,
        };

    public static readonly BenchmarkCase EdgeP2PStoredBacklog =
        new("eb-p2p-stored-q1", "EdgeBroker P2P stored messages delivered after reconnect, batching off, durable", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false)
        {
            Durable = true,
            Scenario = Scenario.StoredBacklog,
            OfflineBatching = false,
        };

    public static readonly BenchmarkCase EdgeP2PStoredBacklogBatched =
        new("eb-p2p-stored-q1-batched", "EdgeBroker P2P stored messages delivered after reconnect, shipped batching (30), durable", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false)
        {
            Durable = true,
            Scenario = Scenario.StoredBacklog,
        };

    public static readonly BenchmarkCase EdgeP2PStoredBacklogFull =
        new("eb-p2p-stored-q1-full", "EdgeBroker P2P stored messages delivered after reconnect, batching off, durable, SqliteSynchronous Full",
            BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false)
        {
            Durable = true,
            Scenario = Scenario.StoredBacklog,
            OfflineBatching = false,
            SynchronousFull = true,
        };

    public static readonly BenchmarkCase MosquittoCrash =
        new("mosq-crash-q1", "mosquitto, persistence true (autosave_interval default)", BrokerKind.Mosquitto, RoutingMode.PubSub, 1, false)
        {
            Durable = true,
            Scenario = Scenario.Crash,
        };

    public static readonly BenchmarkCase EdgeP2PCrash =
        new("eb-p2p-crash-q1", "EdgeBroker P2P, durable", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false)
        {
            Durable = true,
            Scenario = Scenario.Crash,
            OfflineBatching = false,
        };

    public static readonly BenchmarkCase EdgeP2PCrashFull =
        new("eb-p2p-crash-q1-full", "EdgeBroker P2P, durable, SqliteSynchronous Full", BrokerKind.EdgeBroker, RoutingMode.PointToPoint, 1, false)
        {
            Durable = true,
            Scenario = Scenario.Crash,
            OfflineBatching = false,
            SynchronousFull = true,
        };

    public static readonly BenchmarkCase MosquittoSlowConsumer =
        new("mosq-slow-consumer", "mosquitto, a subscriber that stops reading", BrokerKind.Mosquitto, RoutingMode.PubSub, 0, false) { Scenario = Scenario.SlowConsumer };

    public static readonly BenchmarkCase EdgeSlowConsumer =
        new("eb-slow-consumer", "EdgeBroker host, a subscriber that stops reading", BrokerKind.EdgeBroker, RoutingMode.PubSub, 0, false) { Scenario = Scenario.SlowConsumer };

    public static readonly BenchmarkCase EmulatorSlowConsumer =
        new("emu-slow-consumer", "EdgeBroker emulator (device defaults), a subscriber that stops reading", BrokerKind.Emulator, RoutingMode.PubSub, 0, false)
        {
            Scenario = Scenario.SlowConsumer,
        };

    public static readonly BenchmarkCase MosquittoFloodReading =
        new("mosq-flood-reading", "mosquitto, the same flood to a subscriber that reads", BrokerKind.Mosquitto, RoutingMode.PubSub, 0, false)
        {
            Scenario = Scenario.SlowConsumer,
            ConsumerReads = true,
        };

    public static readonly BenchmarkCase EdgeFloodReading =
        new("eb-flood-reading", "EdgeBroker host, the same flood to a subscriber that reads", BrokerKind.EdgeBroker, RoutingMode.PubSub, 0, false)
        {
            Scenario = Scenario.SlowConsumer,
            ConsumerReads = true,
        };

    public static readonly BenchmarkCase EmulatorFloodReading =
        new("emu-flood-reading", "EdgeBroker emulator, the same flood to a subscriber that reads", BrokerKind.Emulator, RoutingMode.PubSub, 0, false)
        {
            Scenario = Scenario.SlowConsumer,
            ConsumerReads = true,
        };

    public static IReadOnlyList<BenchmarkCase> All { get; } =
    [
        MosquittoPubSubQos0, MosquittoPubSubQos1,
        AedesPubSubQos0, AedesPubSubQos1, MqttNetPubSubQos0, MqttNetPubSubQos1,
        EdgeP2PQos0, EdgeP2PQos1, EdgePubSubQos0, EdgePubSubQos1,
        EmulatorP2PQos0, EmulatorP2PQos1,
        EdgeP2PQos0Idle, EdgePubSubQos0Idle,
        MosquittoPubSubQos1Persistent, EdgeP2PQos1Durable,
        MosquittoStoredBacklog, EdgeP2PStoredBacklog, EdgeP2PStoredBacklogBatched, EdgeP2PStoredBacklogFull,
        MosquittoCrash, EdgeP2PCrash, EdgeP2PCrashFull,
        MosquittoSlowConsumer, EdgeSlowConsumer, EmulatorSlowConsumer,
        MosquittoFloodReading, EdgeFloodReading, EmulatorFloodReading,
    ];

    public static BenchmarkCase? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The cases named by --cases in catalog order (so baselines still run first), or all of them.</summary>
    public static IReadOnlyList<BenchmarkCase> Select(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? All : All.Where(c => ids.Any(id => string.Equals(id, c.Id, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>The mosquitto case <paramref name="case"/> is compared with: the same scenario and durability, 1:1
    /// pub/sub at the same QoS.</summary>
    public static BenchmarkCase MosquittoBaseline(BenchmarkCase @case) => (@case.Scenario, @case.Durable, @case.Qos) switch
    {
        (Scenario.StoredBacklog, _, _) => MosquittoStoredBacklog,
        (Scenario.Crash, _, _) => MosquittoCrash,
        (Scenario.SlowConsumer, _, _) => @case.ConsumerReads ? MosquittoFloodReading : MosquittoSlowConsumer,
        (_, true, _) => MosquittoPubSubQos1Persistent,
        (_, false, 0) => MosquittoPubSubQos0,
        _ => MosquittoPubSubQos1,
    };

    /// <summary>For an idle-subscriber case, the same case without idle subscribers.</summary>
    public static BenchmarkCase? WithoutIdleSubscribers(BenchmarkCase @case) =>
        @case.WithIdleSubscribers
            ? All.FirstOrDefault(c => !c.WithIdleSubscribers && c.Broker == @case.Broker && c.Routing == @case.Routing && c.Qos == @case.Qos && !c.Durable)
            : null;

    /// <summary>For an EdgeBroker P2P case, the EdgeBroker pub/sub case it should be cheaper than.</summary>
    public static BenchmarkCase? PubSubCounterpart(BenchmarkCase @case) =>
        @case.Routing == RoutingMode.PointToPoint
            ? All.FirstOrDefault(c => c.Routing == RoutingMode.PubSub && c.Broker == @case.Broker && c.Qos == @case.Qos && c.WithIdleSubscribers == @case.WithIdleSubscribers
                                      && c.Durable == @case.Durable && c.Scenario == @case.Scenario)
            : null;
}
