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

    /// <summary>HTTP API port; 0 picks a free port (used by the tests).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>This broker's name in signed HTTP requests (their instanceId parameter).</summary>
    public string InstanceId { get; set; } = "edgebroker";

    /// <summary>Who may call the HTTP API: each key's ID, secret and the groups it may see.</summary>
    public List<AccessKeyOptions> AccessKeys { get; set; } = [];

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

        if (HttpPort is < 0 or > 65535)
        {
            problems.Add($"HttpPort {HttpPort} is not a TCP port (0-65535).");
        }
        else if (HttpPort != 0 && HttpPort == Port)
        {
            problems.Add($"HttpPort {HttpPort} is also the MQTT port; give them different ports.");
        }

        if (string.IsNullOrWhiteSpace(InstanceId))
        {
            problems.Add("InstanceId must not be empty.");
        }

        problems.AddRange(AccessKeyProblems());

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

            if (string.IsNullOrEmpty(key.Secret))
            {
                yield return $"Access key '{key.Id}' has no Secret.";
            }
        }
    }

    public IPAddress BindAddress => IPAddress.Parse(Bind);

    public bool IsLoopbackOnly => IPAddress.IsLoopback(BindAddress);
}
