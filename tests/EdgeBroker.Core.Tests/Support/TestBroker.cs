using System.Text;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>
/// A <see cref="BrokerCore"/> with the default policy and an in-memory offline store, plus one-line helpers for what
/// an engine reports to it: connections, subscriptions and publications.
/// </summary>
internal sealed class TestBroker
{
    /// <summary>Session expiry of a session that ends with its connection (MQTT 3.1.1 clean session = 1).</summary>
    public const uint EndsWithConnection = 0;

    /// <summary>Session expiry of a session that outlives its connection (MQTT 3.1.1 clean session = 0).</summary>
    public const uint Persistent = BrokerCore.NeverExpires;

    /// <param name="batchSize">Offline batch size; 0 (the default here) hands a returning client everything at once.</param>
    public TestBroker(int maxQos = 2, int offlineQuota = 1000, int batchSize = 0, ISessionStore? sessionStore = null, IOfflineStore? offlineStore = null)
    {
        Limits = new OfflineLimits { MaxMessagesPerClient = offlineQuota, BatchSize = batchSize };
        Offline = offlineStore ?? new MemoryOfflineStore(Limits);
        SessionStore = sessionStore ?? new MemorySessionStore();
        Core = new BrokerCore(new AllowAllPolicy(), Offline, SessionStore, Limits, maxQos, expectedClients: 16);
    }

    public BrokerCore Core { get; }

    public OfflineLimits Limits { get; }

    public IOfflineStore Offline { get; }

    public ISessionStore SessionStore { get; }

    public RoutingCounters Counters => Core.Counters;

    /// <param name="room">How many messages the connection takes before its queue is full (null: no limit).</param>
    public RecordingConnection Connect(string clientId, uint sessionExpirySeconds = EndsWithConnection, bool cleanStart = true, int? room = null,
        bool credentialsProveId = false)
    {
        var connection = new RecordingConnection(clientId, sessionExpirySeconds) { Room = room };
        connection.SessionPresent = Core.Connect(clientId, cleanStart, sessionExpirySeconds, connection, credentialsProveId);
        return connection;
    }

    /// <summary>A CONNECT of <paramref name="clientId"/> carrying <paramref name="will"/> as the engines handle it: its
    /// room reserved, then (if it fit) <paramref name="connect"/> accepted by the core and the will kept. Null when the
    /// will did not fit (the engines refuse the CONNECT; the core hears nothing more).</summary>
    public RecordingConnection? ConnectWithWill(string clientId, RoutedMessage will, uint willDelaySeconds = 0,
        uint sessionExpirySeconds = EndsWithConnection, bool cleanStart = true)
    {
        using var reservation = Core.ReserveWill(clientId, will);
        if (reservation is null)
        {
            return null;
        }

        var connection = Connect(clientId, sessionExpirySeconds, cleanStart);
        Assert.True(Core.KeepWill(clientId, connection, reservation, willDelaySeconds));
        return connection;
    }

    /// <summary>Ends <paramref name="connection"/> with the session expiry it connected with.</summary>
    public void Disconnect(RecordingConnection connection)
    {
        Core.Disconnect(connection.ClientId, connection, connection.SessionExpirySeconds);
    }

    /// <summary>A connected client subscribed to <paramref name="filters"/> at QoS 2.</summary>
    public RecordingConnection ConnectSubscribed(string clientId, params string[] filters)
    {
        return ConnectSubscribed(clientId, EndsWithConnection, filters);
    }

    public RecordingConnection ConnectSubscribed(string clientId, uint sessionExpirySeconds, params string[] filters)
    {
        RecordingConnection connection = Connect(clientId, sessionExpirySeconds);
        foreach (string filter in filters)
        {
            Subscribe(clientId, filter, qos: 2);
        }

        return connection;
    }

    /// <summary>A session that is away: connected, subscribed to <paramref name="filters"/> at QoS 2, disconnected.</summary>
    public void ConnectThenLeave(string clientId, uint sessionExpirySeconds, params string[] filters)
    {
        Disconnect(ConnectSubscribed(clientId, sessionExpirySeconds, filters));
    }

    /// <summary>Returns the granted QoS or a SUBACK failure code.</summary>
    public int Subscribe(string clientId, string filter, int qos = 0, bool noLocal = false, bool retainAsPublished = false, int identifier = 0)
    {
        return Core.Subscribe(clientId, filter, qos, noLocal, retainAsPublished, identifier);
    }

    public PublishOutcome Publish(string publisherClientId, string topic, int qos = 0, bool retain = false, string payload = "payload")
    {
        return Core.Publish(publisherClientId, Message(topic, qos, retain, payload));
    }

    public static RoutedMessage Message(string topic, int qos = 0, bool retain = false, string payload = "payload")
    {
        return new RoutedMessage(topic, Encoding.UTF8.GetBytes(payload), qos, retain);
    }
}
