using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// One entry of "EdgeBroker:Uplinks": a connection from this broker to an upstream broker, with the rules of what goes up
/// and what comes down. The core's <see cref="UplinkSettings"/> decides with it (<see cref="ToSettings"/>); the TLS files
/// and the protocol version are the host's own.
/// </summary>
public sealed class UplinkOptions
{
    /// <summary>The name of the uplink the command-line flags (--uplink …) configure.</summary>
    public const string CommandLineName = "cloud";

    /// <summary>Names the uplink in status, logs and <c>$SYS/uplink/{name}/state</c>.</summary>
    public string Name { get; set; } = CommandLineName;

    /// <summary>Upstream brokers tried in order, <c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>This gateway's client ID upstream: <c>edgebroker-{machine name}</c> when none is set, read back as such so
    /// <c>config check</c> prints the ID the uplink connects with.</summary>
    public string ClientId
    {
        get => string.IsNullOrWhiteSpace(_clientId) ? "edgebroker-" + Environment.MachineName : _clientId;
        set => _clientId = value;
    }

    string? _clientId;

    public UplinkAuthMode AuthMode { get; set; } = UplinkAuthMode.None;

    public string? UserName { get; set; }

    /// <summary>Password (UserPassword) or token (Token mode). A secret: never logged.</summary>
    public string? Password { get; set; }

    public string? AccessKeyId { get; set; }

    /// <summary>A secret: never logged.</summary>
    public string? AccessKeySecret { get; set; }

    public string? InstanceId { get; set; }

    /// <summary>CA certificate(s), PEM, the upstream's certificate must chain to; unset: the system's trusted roots.</summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate, PEM, for upstreams that require one; its key from <see cref="ClientKeyFile"/> or
    /// the same file.</summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    /// <summary>The name the upstream's certificate must carry; unset: the address's host.</summary>
    public string? ServerName { get; set; }

    /// <summary>Whether the upstream's certificate must carry <see cref="ServerName"/>. On by default; turn off only
    /// for a test upstream.</summary>
    public bool CheckServerName { get; set; } = true;

    /// <summary>Auto (MQTT 5, falling back to 3.1.1 when the upstream refuses 5), V500 or V311.</summary>
    public UplinkProtocol Protocol { get; set; } = UplinkProtocol.Auto;

    public int KeepAliveSeconds { get; set; } = UplinkSettings.DefaultKeepAliveSeconds;

    public int InFlightWindow { get; set; } = UplinkSettings.DefaultInFlightWindow;

    public int MaxQueuedMessages { get; set; } = UplinkSettings.DefaultMaxQueuedMessages;

    public long MaxQueuedBytes { get; set; } = UplinkSettings.DefaultMaxQueuedBytes;

    public UplinkFullPolicy FullPolicy { get; set; } = UplinkFullPolicy.DropOldest;

    public int BackoffMinMs { get; set; } = UplinkSettings.DefaultBackoffMinMs;

    public int BackoffMaxMs { get; set; } = UplinkSettings.DefaultBackoffMaxMs;

    /// <summary>P2P federation over this uplink (docs/federation.md): P2P messages for clients that are not here go up,
    /// envelopes for local clients come down, local clients are announced upstream. Off by default.</summary>
    public bool P2P { get; set; }

    /// <summary>Groups (e.g. <c>GID_sensors</c>) whose local clients each get a proxy session upstream under their own
    /// client ID, so the upstream's own P2P routing reaches them (docs/federation.md, "Down path 1: proxy sessions").</summary>
    public List<string> ProxyGroups { get; set; } = [];

    /// <summary>Proxy sessions open at most; a further client of a proxied group gets none (counted, logged once).</summary>
    public int MaxProxySessions { get; set; } = UplinkSettings.DefaultMaxProxySessions;

    /// <summary>How the gateways learn each other's clients with <see cref="P2P"/> on: <c>Announced</c> to an EdgeBroker
    /// upstream (the default) or <c>Retained</c> under <see cref="P2PRoutesTopic"/> on any upstream (docs/federation.md,
    /// "Through any upstream").</summary>
    public UplinkP2PRoutes P2PRoutes { get; set; } = UplinkP2PRoutes.Announced;

    /// <summary>The topic retained routes are published under.</summary>
    public string P2PRoutesTopic { get; set; } = RetainedRoutes.DefaultTopic;

    /// <summary>How long the retained routes of a gateway that went offline are still used.</summary>
    public int P2PRoutesGraceSeconds { get; set; } = PeerRoutes.DefaultGraceSeconds;

    /// <summary>Local topics sent upstream.</summary>
    public List<UplinkRuleOptions> Forward { get; set; } = [];

    /// <summary>Remote topics subscribed upstream and published locally.</summary>
    public List<UplinkRuleOptions> Subscribe { get; set; } = [];

    /// <summary>The core's view of this uplink, or the first problem with an address.</summary>
    public UplinkSettings ToSettings(out string? problem)
    {
        problem = null;
        var settings = new UplinkSettings(Name)
        {
            ClientId = ClientId,
            P2P = P2P,
            P2PRoutes = P2PRoutes,
            P2PRoutesTopic = P2PRoutesTopic,
            P2PRoutesGraceSeconds = P2PRoutesGraceSeconds,
            AuthMode = AuthMode,
            UserName = UserName,
            Password = Password,
            AccessKeyId = AccessKeyId,
            AccessKeySecret = AccessKeySecret,
            InstanceId = InstanceId,
            KeepAliveSeconds = KeepAliveSeconds,
            InFlightWindow = InFlightWindow,
            MaxQueuedMessages = MaxQueuedMessages,
            MaxQueuedBytes = MaxQueuedBytes,
            FullPolicy = FullPolicy,
            BackoffMinMs = BackoffMinMs,
            BackoffMaxMs = BackoffMaxMs,
            MaxProxySessions = MaxProxySessions,
        };
        foreach (var group in ProxyGroups)
        {
            settings.ProxyGroups.Add(group);
        }

        foreach (var text in Addresses)
        {
            if (UplinkAddress.Parse(text) is { } address)
            {
                settings.AddAddress(address);
            }
            else
            {
                problem ??= $"uplink '{Name}': {UplinkAddress.Refusal(text)}";
            }
        }

        foreach (var rule in Forward)
        {
            settings.AddRule(rule.ToRule(UplinkDirection.Forward));
        }

        foreach (var rule in Subscribe)
        {
            settings.AddRule(rule.ToRule(UplinkDirection.Subscribe));
        }

        return settings;
    }

    /// <summary>Every problem with the configured uplinks: addresses, the core's checks (rules, bounds, loops) and the
    /// host's own (credentials of the auth mode, TLS files).</summary>
    public static IEnumerable<string> Validate(IReadOnlyList<UplinkOptions> uplinks)
    {
        var problems = new List<string>();
        var settings = new System.Collections.ArrayList();
        foreach (var uplink in uplinks)
        {
            settings.Add(uplink.ToSettings(out var problem));
            if (problem is not null)
            {
                problems.Add(problem);
            }

            problems.AddRange(uplink.HostProblems());
        }

        if (problems.Count == 0 && UplinkConfigCheck.Check(settings) is { } error)
        {
            problems.Add(error);
        }

        return problems;
    }

    IEnumerable<string> HostProblems()
    {
        var name = $"uplink '{Name}'";
        var needs = AuthMode switch
        {
            UplinkAuthMode.UserPassword => new[] { (nameof(UserName), UserName) },
            UplinkAuthMode.Signature or UplinkAuthMode.DeviceCredential =>
                [(nameof(AccessKeyId), AccessKeyId), (nameof(AccessKeySecret), AccessKeySecret), (nameof(InstanceId), InstanceId)],
            UplinkAuthMode.Token => [(nameof(AccessKeyId), AccessKeyId), (nameof(InstanceId), InstanceId), (nameof(Password), Password)],
            _ => [],
        };
        foreach (var (setting, value) in needs)
        {
            if (string.IsNullOrEmpty(value))
            {
                yield return $"{name}: AuthMode {AuthMode} needs {setting}.";
            }
        }

        foreach (var (setting, file) in new[] { (nameof(CaFile), CaFile), (nameof(ClientCertificateFile), ClientCertificateFile), (nameof(ClientKeyFile), ClientKeyFile) })
        {
            if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
            {
                yield return $"{name}: {setting} '{file}' does not exist.";
            }
        }
    }
}

/// <summary>One forward or subscribe rule of an uplink: the topic filter on its own side, the highest QoS on the far
/// side, and an optional prefix remap (both prefixes, or neither).</summary>
public sealed class UplinkRuleOptions
{
    public string Filter { get; set; } = "";

    public int Qos { get; set; } = 1;

    public string? LocalPrefix { get; set; }

    public string? RemotePrefix { get; set; }

    public UplinkRule ToRule(UplinkDirection direction) => new(direction, Filter, Qos, LocalPrefix, RemotePrefix);
}

/// <summary>The MQTT version spoken upstream.</summary>
public enum UplinkProtocol
{
    /// <summary>MQTT 5, falling back to 3.1.1 when the upstream refuses 5.</summary>
    Auto,

    V500,

    V311,
}
