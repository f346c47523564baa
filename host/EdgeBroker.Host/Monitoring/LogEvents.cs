using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Monitoring;

/// <summary>
/// One event id per kind of log event, so journald, Loki or any JSON log reader can select a kind without parsing
/// the text (<c>--log-format json</c> writes it as <c>EventId</c>). At Information there is no line per message:
/// per-message events (an undeliverable P2P message) are Debug, shown with <c>-v</c>; their totals are in
/// <c>$SYS</c> and <c>/metrics</c>.
/// </summary>
static class LogEvents
{
    public static readonly EventId ClientConnected = new(1001, nameof(ClientConnected));
    public static readonly EventId ClientDisconnected = new(1002, nameof(ClientDisconnected));

    /// <summary>A CONNECT refused, with the reason (bad credentials, unknown device, …).</summary>
    public static readonly EventId ConnectRefused = new(1003, nameof(ConnectRefused));

    /// <summary>The broker closed a client's connection (credentials revoked or expired).</summary>
    public static readonly EventId ConnectionClosed = new(1004, nameof(ConnectionClosed));
    public static readonly EventId SessionExpired = new(1005, nameof(SessionExpired));

    /// <summary>The broker closed a connection for what it did before or instead of a valid CONNECT (malformed input, a
    /// failed or late TLS handshake, too many new connections from one address): the first per address a minute.</summary>
    public static readonly EventId ConnectionProblem = new(1006, nameof(ConnectionProblem));

    /// <summary>A device paired on its own connection, or its credentials could not be queued to it.</summary>
    public static readonly EventId DevicePaired = new(1007, nameof(DevicePaired));

    /// <summary>A Token-mode client replaced its token over <c>$SYS/uploadToken</c> (a refused upload closes the
    /// connection: <see cref="ConnectionClosed"/>).</summary>
    public static readonly EventId TokenUploaded = new(1008, nameof(TokenUploaded));

    /// <summary>A signed HTTP API request refused for its signature or unknown access key, or from an address the login
    /// throttle locked out: thinned as refused CONNECTs are.</summary>
    public static readonly EventId SignedRequestRefused = new(1009, nameof(SignedRequestRefused));
    public static readonly EventId PublishRefused = new(1101, nameof(PublishRefused));
    public static readonly EventId SubscribeRefused = new(1102, nameof(SubscribeRefused));

    /// <summary>A message the receiver's offline quota could not take.</summary>
    public static readonly EventId PublishDropped = new(1103, nameof(PublishDropped));

    /// <summary>A P2P message whose target has no session, or is away and the message is QoS 0 (Debug).</summary>
    public static readonly EventId P2PUndeliverable = new(1104, nameof(P2PUndeliverable));

    /// <summary>The store failed (a sweep, a write).</summary>
    public static readonly EventId StoreError = new(1201, nameof(StoreError));

    /// <summary>The store cannot write (disk or MaxDatabaseBytes full), or can again.</summary>
    public static readonly EventId StoreFull = new(1202, nameof(StoreFull));

    /// <summary>An uplink connected, disconnected or is backing off (its state, as retained on
    /// <c>$SYS/uplink/{name}/state</c>).</summary>
    public static readonly EventId UplinkStateChanged = new(1301, nameof(UplinkStateChanged));

    /// <summary>An uplink's full queue dropped its oldest message (logged for the first, then at most once a minute).</summary>
    public static readonly EventId UplinkQueueDropped = new(1302, nameof(UplinkQueueDropped));

    /// <summary>The upstream refused a subscription or a forwarded message.</summary>
    public static readonly EventId UplinkRefused = new(1303, nameof(UplinkRefused));

    /// <summary>An upstream that does not speak MQTT 5 is used with MQTT 3.1.1.</summary>
    public static readonly EventId UplinkProtocolFallback = new(1304, nameof(UplinkProtocolFallback));

    /// <summary>A gateway's route announcement leads back up through this broker: the federated uplinks form a cycle.</summary>
    public static readonly EventId UplinkCycle = new(1305, nameof(UplinkCycle));

    /// <summary>With retained routes, a P2P message went up plainly: no gateway on the upstream announced its target
    /// (logged for the first, then at most once a minute).</summary>
    public static readonly EventId UplinkP2PUnrouted = new(1306, nameof(UplinkP2PUnrouted));

    /// <summary>A local PUBLISH refused because an uplink's queue is full under RefuseNew (logged for the first, then
    /// at most once a minute).</summary>
    public static readonly EventId UplinkQueueFull = new(1307, nameof(UplinkQueueFull));

    /// <summary>A queued message was dropped unsent as too large for the upstream (logged for the first, then at most once
    /// a minute).</summary>
    public static readonly EventId UplinkTooLarge = new(1308, nameof(UplinkTooLarge));

    /// <summary>Proxy sessions upstream started failing to connect (the first failure while all were up), or all are up
    /// again.</summary>
    public static readonly EventId ProxySessionsFailing = new(1310, nameof(ProxySessionsFailing));

    /// <summary>A client of a proxied group got no proxy session: the cap was reached (logged for the first).</summary>
    public static readonly EventId ProxySessionsCapReached = new(1311, nameof(ProxySessionsCapReached));

    /// <summary>A message from upstream on a proxy session that is not for its client's P2P address (Debug).</summary>
    public static readonly EventId ProxyMessageIgnored = new(1312, nameof(ProxyMessageIgnored));

    /// <summary>A setting the broker accepts but warns about as it starts (an access key's short secret).</summary>
    public static readonly EventId SettingsWarning = new(1401, nameof(SettingsWarning));

    /// <summary>The TLS server certificate is outside its validity dates (clients will refuse it).</summary>
    public static readonly EventId CertificateNotValid = new(1402, nameof(CertificateNotValid));

    /// <summary>A listener is up, is off by configuration, or stopped.</summary>
    public static readonly EventId Listening = new(1501, nameof(Listening));

    /// <summary>What the broker starts with: storage, anonymous access, route announcers, reactor pinning, uplinks.</summary>
    public static readonly EventId Startup = new(1502, nameof(Startup));

    /// <summary>A stop that did not see every connection end in time.</summary>
    public static readonly EventId ShutdownIncomplete = new(1503, nameof(ShutdownIncomplete));

    /// <summary>A change made through the HTTP API: a token issued or revoked, a device renamed or revoked, a pairing
    /// window opened or closed (with the access key that made it).</summary>
    public static readonly EventId AdminAction = new(1504, nameof(AdminAction));

    /// <summary>An unexpected error caught where it happened (a connection's packet, the tick, an uplink); the broker
    /// carries on.</summary>
    public static readonly EventId UnexpectedError = new(1505, nameof(UnexpectedError));

    /// <summary>The heap was trimmed after a quiet spell following growth (Debug).</summary>
    public static readonly EventId HeapTrimmed = new(1506, nameof(HeapTrimmed));
}
