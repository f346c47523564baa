using System.Net;

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

    /// <summary>Messages kept per away client (persistent sessions) before new ones are refused.</summary>
    public int MaxOfflineMessagesPerClient { get; set; } = 1000;

    /// <summary>How often expired sessions are looked for.</summary>
    public int SessionExpirySweepSeconds { get; set; } = 30;

    /// <summary>Every problem with the settings, worded for the person who wrote them.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535)
        {
            problems.Add($"Port {Port} is not a TCP port (0-65535).");
        }

        if (!IPAddress.TryParse(Bind, out _))
        {
            problems.Add($"Bind '{Bind}' is not an IP address (use 127.0.0.1 for this machine only, 0.0.0.0 for the LAN).");
        }

        if (MaxOfflineMessagesPerClient < 1)
        {
            problems.Add($"MaxOfflineMessagesPerClient must be at least 1 (is {MaxOfflineMessagesPerClient}).");
        }

        if (SessionExpirySweepSeconds < 1)
        {
            problems.Add($"SessionExpirySweepSeconds must be at least 1 (is {SessionExpirySweepSeconds}).");
        }

        return problems;
    }

    public IPAddress BindAddress => IPAddress.Parse(Bind);

    public bool IsLoopbackOnly => IPAddress.IsLoopback(BindAddress);
}
