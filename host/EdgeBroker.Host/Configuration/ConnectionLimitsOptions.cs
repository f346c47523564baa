using EdgeBroker.Core.Flow;

namespace EdgeBroker.Host.Configuration;

/// <summary>What one MQTT connection may cost the broker before it says who it is, and how fast one address may open
/// connections: section "EdgeBroker:Connections". Bounds set here, not what a peer claims, decide the memory a
/// connection takes.</summary>
public sealed class ConnectionLimitsOptions
{
    /// <summary>Largest MQTT packet accepted, fixed header included (1 MiB). Larger ones close the connection (MQTT 5:
    /// DISCONNECT 0x95 once its CONNECT was accepted). 1 MiB holds any sensor or command message with room to spare
    /// while a connection that claims more cannot make the broker set aside more than this; EMQX uses the same default,
    /// mosquitto none.</summary>
    public int MaxPacketSize { get; set; } = 1024 * 1024;

    /// <summary>QoS 1/2 PUBLISHes an MQTT 5 client may have unacknowledged towards the broker (Receive Maximum in
    /// CONNACK); one more closes the connection with DISCONNECT 0x93.</summary>
    public int ReceiveMaximum { get; set; } = FlowLimits.DefaultReceiveMaximum;

    /// <summary>Topic aliases an MQTT 5 client may define towards the broker (Topic Alias Maximum in CONNACK; 0 = none).</summary>
    public int TopicAliasMaximum { get; set; } = FlowLimits.DefaultTopicAliasMaximum;

    /// <summary>Topic aliases the broker uses towards an MQTT 5 client, at most what the client's Topic Alias Maximum
    /// allows (0 = none); each keeps a topic of at most 256 characters for the connection's life.</summary>
    public int OutboundTopicAliasMaximum { get; set; } = FlowLimits.DefaultOutboundTopicAliasMaximum;

    /// <summary>The longest keep-alive an MQTT 5 client is held to: one asking for more, or for none (0), is told this
    /// as Server Keep Alive in CONNACK and closed after 1.5 times it in silence. 0 accepts any keep-alive. MQTT 3.1.1
    /// clients cannot be told, so theirs stands.</summary>
    public int MaxKeepAliveSeconds { get; set; } = FlowLimits.DefaultMaxKeepAliveSeconds;

    /// <summary>How long a new connection may take to send its whole CONNECT (after the TLS handshake).</summary>
    public double ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a connection to the TLS port may take to complete its handshake.</summary>
    public double TlsHandshakeTimeoutSeconds { get; set; } = 10;

    /// <summary>New connections one source address may open per <see cref="ConnectionRateWindowSeconds"/>; further
    /// ones are closed at once. 0 turns the limit off. 200 per 10 s lets a gateway's whole fleet behind one NAT
    /// reconnect after an outage while a single script's flood is cut off.</summary>
    public int MaxConnectionsPerSource { get; set; } = 200;

    public double ConnectionRateWindowSeconds { get; set; } = 10;

    /// <summary>Source addresses remembered for the rate limit and for logging problems once per address a minute;
    /// when full, the least recently seen address is forgotten.</summary>
    public int MaxTrackedSources { get; set; } = 1024;

    /// <summary>Every problem with these settings, worded for the person who wrote them.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxPacketSize < MinPacketSize)
        {
            yield return $"Connections:MaxPacketSize must be at least {MinPacketSize} bytes (is {MaxPacketSize}).";
        }

        if (ReceiveMaximum is < 1 or > FlowLimits.MaxTwoByteValue)
        {
            yield return $"Connections:ReceiveMaximum must be between 1 and {FlowLimits.MaxTwoByteValue} (is {ReceiveMaximum}).";
        }

        if (TopicAliasMaximum is < 0 or > FlowLimits.MaxTwoByteValue)
        {
            yield return $"Connections:TopicAliasMaximum must be between 0 and {FlowLimits.MaxTwoByteValue} (is {TopicAliasMaximum}).";
        }

        if (OutboundTopicAliasMaximum is < 0 or > FlowLimits.MaxTwoByteValue)
        {
            yield return $"Connections:OutboundTopicAliasMaximum must be between 0 and {FlowLimits.MaxTwoByteValue} (is {OutboundTopicAliasMaximum}).";
        }

        if (MaxKeepAliveSeconds is < 0 or > FlowLimits.MaxTwoByteValue)
        {
            yield return $"Connections:MaxKeepAliveSeconds must be between 0 and {FlowLimits.MaxTwoByteValue} (is {MaxKeepAliveSeconds}; 0 accepts any).";
        }

        if (ConnectTimeoutSeconds <= 0 || TlsHandshakeTimeoutSeconds <= 0 || ConnectionRateWindowSeconds <= 0)
        {
            yield return "Connections:ConnectTimeoutSeconds, TlsHandshakeTimeoutSeconds and ConnectionRateWindowSeconds must be positive.";
        }

        if (MaxConnectionsPerSource < 0)
        {
            yield return $"Connections:MaxConnectionsPerSource must not be negative (is {MaxConnectionsPerSource}; 0 turns the limit off).";
        }

        if (MaxTrackedSources < 1)
        {
            yield return $"Connections:MaxTrackedSources must be at least 1 (is {MaxTrackedSources}).";
        }
    }

    /// <summary>The flow-control limits MQTT 5 clients are told in CONNACK and held to, and the broker's own towards them.</summary>
    public FlowLimits ToFlowLimits() => new(ReceiveMaximum, TopicAliasMaximum, OutboundTopicAliasMaximum, MaxKeepAliveSeconds);

    /// <summary>Smallest useful limit: a CONNECT with a client ID, a will and credentials.</summary>
    public const int MinPacketSize = 128;
}
