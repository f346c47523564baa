using System.Net;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Host.Configuration;

/// <summary>The broker's settings: section "EdgeBroker" of appsettings.json, the --config file, environment variables
/// (EdgeBroker__Port=…) and command-line flags, later sources winning (Generic Host conventions).</summary>
public sealed class BrokerOptions
{
    public const string Section = "EdgeBroker";

    /// <summary>MQTT listener port; 0 picks a free port (used by the tests).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Address the listeners bind to. Loopback by default: serving the LAN is a decision, not an accident.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>Where sessions, offline and retained messages are kept.</summary>
    public StorageKind Storage { get; set; } = StorageKind.Sqlite;

    /// <summary>Directory of the SQLite database (relative to the working directory).</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>HTTP API port; 0 picks a free port (used by the tests).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>MQTT over WebSocket port (browsers, MQTT.js); off unless set, 0 picks a free port (used by the tests).
    /// Served as wss:// when TLS is configured, else ws://; the same limits and policy as the MQTT listener.</summary>
    public int? WebSocketPort { get; set; }

    /// <summary>The one path MQTT over WebSocket is served at (<c>ws://host:port/mqtt</c>, MQTT.js's default).</summary>
    public string WebSocketPath { get; set; } = "/mqtt";

    /// <summary>The sites (<c>https://app.example.com</c>) whose pages may open MQTT over WebSocket, as browsers name
    /// them in the Origin header; empty: any. Requests without Origin (clients that are not web pages) are served
    /// whatever it says (<see cref="Transport.WebSocketOrigins"/>).</summary>
    public List<string> WebSocketOrigins { get; set; } = [];

    /// <summary>HTTP connections open at once (0: no limit); a further one is closed at once, logged once per address a
    /// minute. Leaves room for every dashboard the feed serves (16, each with the few connections a browser opens)
    /// beside scrapers and the command line, while the memory all of them can hold stays small (docs/configuration.md).</summary>
    public int HttpMaxConnections { get; set; } = 128;

    /// <summary>HTTP connections one address may hold open at once (0: no limit), so one peer holding idle sockets
    /// takes its share, not every place; as many places (at most half) are kept for loopback, the operator on the
    /// gateway or a reverse proxy in front of it. A dashboard takes a stream and the few connections a browser opens,
    /// so one address still serves several (docs/configuration.md).</summary>
    public int HttpMaxConnectionsPerAddress { get; set; } = 32;

    /// <summary>This broker's name in signed HTTP requests (their instanceId parameter).</summary>
    public string InstanceId { get; set; } = "edgebroker";

    /// <summary>Who may call the HTTP API: each key's ID, secret and the groups it may see.</summary>
    public List<AccessKeyOptions> AccessKeys { get; set; } = [];

    /// <summary>Signatures of accepted state-changing HTTP requests remembered at most, each for as long as its timestamp
    /// would pass, so a replay is refused; beyond it further changes are refused until the oldest expire.</summary>
    public int MaxRememberedSignatures { get; set; } = 10_000;

    /// <summary>Authentication of MQTT clients, pairing and access rules.</summary>
    public SecuritySettings Security { get; set; } = new();

    /// <summary>MQTT over TLS and HTTPS (off until a certificate is configured).</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Packet size, CONNECT and TLS handshake timeouts, connections per source address.</summary>
    public ConnectionLimitsOptions Connections { get; set; } = new();

    /// <summary>Sessions held at once, connected and away (0: no limit); a CONNECT that would start a further one is
    /// refused (MQTT 3.1.1 CONNACK 0x03, MQTT 5 0x97), so client IDs that connect once with clean session 0 cannot
    /// fill memory for the week their sessions outlive them.</summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>Bytes the wills held for clients may take together — each will's footprint (topic, payload and MQTT 5
    /// properties) and the objects holding it (0: no limit); a CONNECT whose will does not fit is refused (MQTT 3.1.1
    /// CONNACK 0x03, MQTT 5 0x97). 64 MiB: every one of <see cref="MaxSessions"/> clients may leave an ordinary will
    /// (about 600 bytes counted), or about 60 clients one of the largest packet.</summary>
    public long MaxWillBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Subscriptions one client may hold (0: no limit); a SUBSCRIBE for a further filter is refused (MQTT 3.1.1
    /// SUBACK 0x80, MQTT 5 0x97), the others in the packet granted.</summary>
    public int MaxSubscriptionsPerClient { get; set; } = 1000;

    /// <summary>Topics that may hold a retained message at once; a retained message for a further topic is not kept
    /// (still delivered to the current subscribers).</summary>
    public int MaxRetainedMessages { get; set; } = 100_000;

    /// <summary>Bytes the retained messages may take together — topics, payloads and MQTT 5 properties, all held in
    /// memory (0: no limit); a retained message that would take them above it is not kept (still delivered).</summary>
    public long MaxRetainedBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Messages kept per persistent session before new ones are refused.</summary>
    public int MaxOfflineMessagesPerClient { get; set; } = 1000;

    /// <summary>Topic and payload bytes kept per persistent session before new messages are refused.</summary>
    public long MaxOfflineBytesPerClient { get; set; } = 16 * 1024 * 1024;

    /// <summary>Topic and payload bytes of the QoS 0 messages kept in memory for away persistent sessions, all sessions
    /// together (each also within <see cref="MaxOfflineBytesPerClient"/>); beyond it such a message is dropped and counted.</summary>
    public long MaxOfflineQos0Bytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Memory the SQLite store may use, across all clients, for copies of the offline messages it keeps, so
    /// a returning client's backlog is delivered without reading the database (0: always read it).</summary>
    public long OfflineCopyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Lifetime of a kept message that has no MQTT 5 message expiry interval.</summary>
    public double OfflineMessageTtlHours { get; set; } = 72;

    /// <summary>Kept messages handed to a returning client at once (0: all at once).</summary>
    public int OfflineBatchSize { get; set; } = 30;

    /// <summary>The next batch follows when the previous one is acknowledged, or after this many seconds.</summary>
    public double OfflineBatchIntervalSeconds { get; set; } = 5;

    /// <summary>What may wait for one connected client that reads slower than it is published to.</summary>
    public OutboundQueueOptions OutboundQueue { get; set; } = new();

    /// <summary>Largest size the SQLite database may grow to, in bytes (0: as large as the disk allows). A full database
    /// refuses QoS 1/2 messages that a persistent session needs stored, as a full disk does; what it holds is kept.</summary>
    public long MaxDatabaseBytes { get; set; }

    /// <summary>When a commit of the SQLite store reaches the disk: Normal (the default) survives a crash of the broker,
    /// Full survives a power loss too, with an fsync per group commit.</summary>
    public EdgeBroker.Host.Storage.SqliteSynchronous SqliteSynchronous { get; set; } = EdgeBroker.Host.Storage.SqliteSynchronous.Normal;

    /// <summary>Whether each of the epoll transport's threads keeps to one CPU (Linux; off by default). Less CPU per message
    /// at a steady rate where the broker has its CPUs to itself; a far longer tail where another process is busy
    /// on one of them (docs/performance.md, "Pinned reactor threads, and a busy neighbour").</summary>
    public bool PinReactorThreads { get; set; }

    /// <summary>How long an MQTT 3.1.1 persistent session (clean session = 0) outlives its connection.</summary>
    public uint Mqtt311SessionExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>How often expired sessions are looked for.</summary>
    public int SessionExpirySweepSeconds { get; set; } = 30;

    /// <summary>Hops after which a federated P2P message is dropped (docs/federation.md).</summary>
    public int P2PMaxHops { get; set; } = EdgeBroker.Core.Uplink.P2PEnvelope.DefaultMaxHops;

    /// <summary>Routes to clients on gateways below that are kept at most (docs/federation.md).</summary>
    public int P2PMaxRoutes { get; set; } = EdgeBroker.Core.Uplink.RemoteRoutes.DefaultCapacity;

    /// <summary>Seconds a P2P target an upstream said is unknown everywhere is answered here as unknown (PUBACK 0x10)
    /// instead of going up (docs/federation.md).</summary>
    public int P2PUnreachableTtlSeconds { get; set; } = EdgeBroker.Core.Uplink.UnreachableTargets.DefaultTtlSeconds;

    /// <summary>P2P targets kept as unknown everywhere at most; 0 keeps none.</summary>
    public int P2PUnreachableCacheSize { get; set; } = EdgeBroker.Core.Uplink.UnreachableTargets.DefaultCapacity;

    /// <summary>Connections to upstream brokers (see <see cref="UplinkOptions"/>).</summary>
    public List<UplinkOptions> Uplinks { get; set; } = [];

    /// <summary>Seconds between publications of the <c>$SYS/broker/…</c> tree; 0 publishes none (mosquitto's
    /// sys_interval).</summary>
    public int SysIntervalSeconds { get; set; } = EdgeBroker.Core.Monitoring.SysTree.DefaultIntervalSeconds;

    /// <summary>How log lines are written: readable text, or one JSON object per line for journald, Loki and other
    /// collectors (<c>--log-format json</c>).</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Text;

    /// <summary>Problems of the WebSocket listener's port (against the other listeners') and path.</summary>
    IEnumerable<string> WebSocketProblems()
    {
        if (WebSocketPort is not { } port)
        {
            if (WebSocketOrigins.Count > 0)
            {
                yield return "WebSocketOrigins (--websocket-origin) is set without WebSocketPort (--websocket-port), so there is no WebSocket " +
                    "listener for it to admit pages to; add --websocket-port, or remove the origins.";
            }

            yield break;
        }

        if (port is < 0 or > 65535)
        {
            yield return $"WebSocketPort {port} (--websocket-port) is not a TCP port (0-65535).";
        }
        else if (port != 0 && (port == HttpPort || (Tls.PlainListener && port == Port) || (Tls.IsEnabled && port == Tls.Port)))
        {
            yield return $"WebSocketPort {port} (--websocket-port) is also the {(port == HttpPort ? "HTTP" : port == Port ? "MQTT" : "MQTT over TLS")} port; give them different ports.";
        }

        if (!WebSocketPath.StartsWith('/') || WebSocketPath.Contains('?') || WebSocketPath.Any(char.IsWhiteSpace))
        {
            yield return $"WebSocketPath '{WebSocketPath}' is not a URL path (it starts with /, e.g. /mqtt).";
        }

        foreach (var origin in WebSocketOrigins.Where(origin => Transport.WebSocketOrigins.Normalize(origin) is null))
        {
            yield return $"WebSocketOrigins entry '{origin}' (--websocket-origin) is not a web site's origin: http:// or https://, a host " +
                "and an optional port, nothing after them (e.g. https://dashboard.example.com or http://localhost:5173).";
        }
    }

    /// <summary>Every problem with the settings, worded for the person who wrote them.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
        {
            problems.Add($"Port {Port} is not a TCP port (0-65535).");
        }

        if (HttpPort is < 0 or > 65535)
        {
            problems.Add($"HttpPort {HttpPort} is not a TCP port (0-65535).");
        }
        else if (HttpPort != 0 && HttpPort == Port)
        {
            problems.Add($"HttpPort {HttpPort} is also the MQTT port; give them different ports.");
        }

        problems.AddRange(WebSocketProblems());
        if (string.IsNullOrWhiteSpace(InstanceId))
        {
            problems.Add("InstanceId must not be empty.");
        }

        problems.AddRange(AccessKeyProblems());
        if (MaxRememberedSignatures < 1)
        {
            problems.Add($"MaxRememberedSignatures must be at least 1 (is {MaxRememberedSignatures}): replays of signed changes are refused only while their signatures are remembered.");
        }

        problems.AddRange(Security.Validate());
        problems.AddRange(Tls.Validate(Port, HttpPort));
        problems.AddRange(Connections.Validate());

        if (!IPAddress.TryParse(Bind, out _))
        {
            problems.Add($"Bind '{Bind}' is not an IP address (use 127.0.0.1 for this machine only, 0.0.0.0 for the LAN).");
        }
        else if (OpenBrokerRule.NeedsAccessKey(IsLoopbackOnly, AccessKeys.Count > 0 || Security.PasswordFile is not null, Security.AllowAnonymousSetting))
        {
            problems.Add($"Bind {Bind} lets other machines connect, but no authentication is configured. Add an access key so that " +
                $"MQTT clients must sign in — {AccessKeyOptions.SafeWays} — or pass --allow-anonymous to let any client that can " +
                "reach the broker connect.");
        }

        if (P2PMaxHops < 1)
        {
            problems.Add($"P2PMaxHops must be at least 1 (is {P2PMaxHops}).");
        }

        if (P2PMaxRoutes < 0)
        {
            problems.Add($"P2PMaxRoutes must not be negative (is {P2PMaxRoutes}).");
        }

        if (P2PUnreachableTtlSeconds < 1)
        {
            problems.Add($"P2PUnreachableTtlSeconds must be at least 1 (is {P2PUnreachableTtlSeconds}).");
        }

        if (P2PUnreachableCacheSize < 0)
        {
            problems.Add($"P2PUnreachableCacheSize must not be negative (is {P2PUnreachableCacheSize}).");
        }

        if (HttpMaxConnections < 0)
        {
            problems.Add($"HttpMaxConnections must not be negative (is {HttpMaxConnections}; 0 sets no limit).");
        }

        if (HttpMaxConnectionsPerAddress < 0)
        {
            problems.Add($"HttpMaxConnectionsPerAddress must not be negative (is {HttpMaxConnectionsPerAddress}; 0 sets no limit).");
        }

        if (MaxSessions < 0)
        {
            problems.Add($"MaxSessions must not be negative (is {MaxSessions}; 0 sets no limit).");
        }

        if (MaxWillBytes < 0)
        {
            problems.Add($"MaxWillBytes must not be negative (is {MaxWillBytes}; 0 sets no limit).");
        }

        if (MaxSubscriptionsPerClient < 0)
        {
            problems.Add($"MaxSubscriptionsPerClient must not be negative (is {MaxSubscriptionsPerClient}; 0 sets no limit).");
        }

        if (MaxRetainedMessages < 1)
        {
            problems.Add($"MaxRetainedMessages must be at least 1 (is {MaxRetainedMessages}).");
        }

        if (MaxRetainedBytes < 0)
        {
            problems.Add($"MaxRetainedBytes must not be negative (is {MaxRetainedBytes}; 0 sets no limit).");
        }

        if (MaxOfflineMessagesPerClient < 1)
        {
            problems.Add($"MaxOfflineMessagesPerClient must be at least 1 (is {MaxOfflineMessagesPerClient}).");
        }

        if (MaxOfflineBytesPerClient < 1)
        {
            problems.Add($"MaxOfflineBytesPerClient must be at least 1 (is {MaxOfflineBytesPerClient}).");
        }

        if (MaxOfflineQos0Bytes < 0)
        {
            problems.Add($"MaxOfflineQos0Bytes must not be negative (is {MaxOfflineQos0Bytes}).");
        }

        if (OfflineCopyBytes < 0)
        {
            problems.Add($"OfflineCopyBytes must not be negative (is {OfflineCopyBytes}; 0 keeps no copies).");
        }

        problems.AddRange(OutboundQueue.Validate());
        if (MaxDatabaseBytes < 0)
        {
            problems.Add($"MaxDatabaseBytes must not be negative (is {MaxDatabaseBytes}; 0 sets no limit).");
        }

        if (OfflineMessageTtlHours <= 0)
        {
            problems.Add($"OfflineMessageTtlHours must be positive (is {OfflineMessageTtlHours}).");
        }

        if (OfflineBatchIntervalSeconds <= 0)
        {
            problems.Add($"OfflineBatchIntervalSeconds must be positive (is {OfflineBatchIntervalSeconds}).");
        }

        if (OfflineBatchSize < 0)
        {
            problems.Add($"OfflineBatchSize must not be negative (is {OfflineBatchSize}).");
        }

        if (Storage == StorageKind.Sqlite && string.IsNullOrWhiteSpace(DataDir))
        {
            problems.Add("DataDir must name a directory when Storage is Sqlite.");
        }

        if (SysIntervalSeconds < 0)
        {
            problems.Add($"SysIntervalSeconds must not be negative (is {SysIntervalSeconds}; 0 publishes no $SYS tree).");
        }

        if (SessionExpirySweepSeconds < 1)
        {
            problems.Add($"SessionExpirySweepSeconds must be at least 1 (is {SessionExpirySweepSeconds}).");
        }

        problems.AddRange(UplinkOptions.Validate(Uplinks));
        return problems;
    }

    IEnumerable<string> AccessKeyProblems()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < AccessKeys.Count; i++)
        {
            var key = AccessKeys[i];
            if (string.IsNullOrEmpty(key.Id))
            {
                yield return $"AccessKeys entry {i} has no Id.";
            }
            else if (!seen.Add(key.Id))
            {
                yield return $"Access key '{key.Id}' is configured twice.";
            }
            else if (AccessKeyCheck.IdProblem(key.Id) is { } problem)
            {
                yield return problem;
            }

            if (string.IsNullOrEmpty(key.Secret))
            {
                yield return $"Access key '{key.Id}' has no Secret.";
            }
        }
    }

    /// <summary>What start-up and <c>config check</c> warn about without refusing: access keys with short secrets
    /// (the core's <see cref="AccessKeyCheck"/>).</summary>
    public IEnumerable<string> Warnings() =>
        AccessKeys.Select(key => AccessKeyCheck.WeakSecretWarning(key.Id, key.Secret)).OfType<string>();

    public IPAddress BindAddress => IPAddress.Parse(Bind);

    public EdgeBroker.Core.Offline.OfflineLimits OfflineLimits => new()
    {
        MaxMessagesPerClient = MaxOfflineMessagesPerClient,
        MaxBytesPerClient = MaxOfflineBytesPerClient,
        MaxQos0BytesKept = MaxOfflineQos0Bytes,
        DefaultMessageTtlMs = (long)(OfflineMessageTtlHours * 3600 * 1000),
        BatchSize = OfflineBatchSize,
        BatchIntervalMs = (long)(OfflineBatchIntervalSeconds * 1000),
    };

    public bool IsLoopbackOnly => IPAddress.IsLoopback(BindAddress);
}

public enum StorageKind
{
    Sqlite,
    Memory,
}

public enum LogFormat
{
    Text,
    Json,
}
