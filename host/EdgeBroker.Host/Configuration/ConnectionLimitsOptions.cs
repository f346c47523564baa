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

    /// <summary>Smallest useful limit: a CONNECT with a client ID, a will and credentials.</summary>
    public const int MinPacketSize = 128;
}
