using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// The command-line flags. They are parsed (with help and errors) by System.CommandLine and handed to the Generic
/// Host as the last configuration source, so a flag overrides appsettings.json, the --config file and the environment.
/// </summary>
public sealed class CommandLine
{
    readonly Option<int?> _port = new("--port") { Description = "MQTT listener port (default 1883).", CustomParser = FlagValue.Parse<int?> };
    readonly Option<string?> _bind = new("--bind") { Description = "Address to listen on (default 127.0.0.1; 0.0.0.0 serves the LAN and needs an access key, a password file or --allow-anonymous)." };
    readonly Option<string?> _dataDir = new("--data-dir") { Description = "Directory of the SQLite store (default ./data)." };
    readonly Option<bool> _inMemory = new("--in-memory") { Description = "Keep nothing on disk: sessions and messages are lost when the broker stops." };
    readonly Option<FileInfo?> _config = new("--config") { Description = "Extra JSON settings file, same layout as appsettings.json." };
    readonly Option<int?> _httpPort = new("--http-port") { Description = "HTTP API port (default 8080; 0 picks a free one).", CustomParser = FlagValue.Parse<int?> };
    readonly Option<int?> _webSocketPort = new("--websocket-port")
    {
        Description = "MQTT over WebSocket port, path /mqtt (off by default; wss when TLS is on; 0 picks a free one).",
        CustomParser = FlagValue.Parse<int?>,
    };
    readonly Option<string[]> _webSocketOrigins = new("--websocket-origin")
    {
        Description = "Only pages of this site (e.g. https://app.example.com) may use MQTT over WebSocket from a browser (repeatable; default: any site).",
        HelpName = "ORIGIN",
    };
    readonly Option<string[]> _accessKeys = new("--access-key")
    {
        Description = "Adds an access key that may see every group, as ID:SECRET (repeatable). Every user of the machine can read it (ps): " +
            "for tests; otherwise use --access-key-file.",
        HelpName = "ID:SECRET",
    };
    readonly Option<List<(string Id, string Secret)>> _accessKeyFiles = new("--access-key-file")
    {
        Description = "Adds the access keys in FILE, one ID:SECRET a line, each seeing every group (repeatable); keep the file readable by the broker's user only.",
        HelpName = "FILE",
        CustomParser = AccessKeyFile.Parse,
    };
    readonly Option<string?> _instanceId = new("--instance-id") { Description = "This broker's instanceId in signed HTTP requests (default edgebroker)." };
    readonly Option<int?> _tlsPort = new("--tls-port")
    {
        Description = "MQTT over TLS port (default 8883; TLS is on when a certificate is given).",
        CustomParser = FlagValue.Parse<int?>,
    };
    readonly Option<string?> _tlsCertificate = new("--tls-cert")
    {
        Description = "Server certificate, PEM; turns on MQTT over TLS and HTTPS for the API.",
        HelpName = "FILE",
    };
    readonly Option<string?> _tlsKey = new("--tls-key") { Description = "Private key of --tls-cert, PEM, unencrypted (default: read from the --tls-cert file).", HelpName = "FILE" };
    readonly Option<string?> _tlsPfx = new("--tls-pfx")
    {
        Description = "Server certificate and key as PKCS#12 instead of PEM; its password from EdgeBroker__Tls__PfxPassword or a settings file.",
        HelpName = "FILE",
    };
    readonly Option<string?> _tlsClientCa = new("--tls-client-ca") { Description = "CA certificate(s), PEM, that client certificates must chain to.", HelpName = "FILE" };
    readonly Option<bool> _requireClientCertificate = new("--require-client-cert")
    {
        Description = "Refuse MQTT over TLS clients without a certificate from --tls-client-ca.",
    };
    readonly Option<bool> _noPlain = new("--no-plain") { Description = "No unencrypted MQTT listener: MQTT over TLS only." };
    readonly Option<int?> _maxQueuedMessages = new("--max-queued-messages")
    {
        Description = "PUBLISH packets waiting for one client that reads slowly (default 1000); beyond it QoS 0 is dropped first.",
        CustomParser = FlagValue.Parse<int?>,
    };
    readonly Option<int?> _maxQueuedBytes = new("--max-queued-bytes")
    {
        Description = "Topic and payload bytes waiting for one client that reads slowly (default 4194304).",
        CustomParser = FlagValue.Parse<int?>,
    };
    readonly Option<int?> _maxSubscriptions = new("--max-subscriptions")
    {
        Description = "Subscriptions one client may hold (default 1000; 0 sets no limit); a further filter is refused (SUBACK 0x80, MQTT 5 0x97).",
        CustomParser = FlagValue.Parse<int?>,
    };
    readonly Option<bool> _allowAnonymous = new("--allow-anonymous")
    {
        Description = "Let MQTT clients connect without credentials, also when access keys are configured or the broker serves the LAN.",
    };
    readonly Option<bool> _p2pWithinGroupsOnly = new("--p2p-within-groups-only")
    {
        Description = "P2P only within a group and to/from the --application-group groups (default: to every group, as on ApsaraMQ for MQTT).",
    };
    readonly Option<string[]> _applicationGroups = new("--application-group")
    {
        Description = "With --p2p-within-groups-only: a group whose clients may exchange P2P messages with every group, e.g. the back end's (repeatable).",
        HelpName = "GROUP",
    };
    readonly Option<string[]> _sysSubscribers = new("--sys-subscriber")
    {
        Description = "A client ID that may subscribe to $SYS/... (presence events) once signed in (repeatable).",
        HelpName = "CLIENT_ID",
    };
    readonly Option<string[]> _p2pGateways = new("--p2p-gateway")
    {
        Description = "A client ID or group of a gateway below this broker: only these may announce P2P routes (repeatable).",
        HelpName = "CLIENT_ID|GROUP",
    };
    readonly Option<string?> _aclFile = new("--acl-file")
    {
        Description = "Access-control file in mosquitto's acl_file format, applied on top of the access rules.",
        HelpName = "FILE",
    };
    readonly Option<string?> _passwordFile = new("--password-file")
    {
        Description = "Users and password hashes in mosquitto's password_file format (mosquitto_passwd); anonymous clients are then refused unless --allow-anonymous.",
        HelpName = "FILE",
    };
    readonly UplinkFlags _uplink = new();

    readonly Option<int?> _maxPacketSize = new("--max-packet-size")
    {
        Description = "Largest MQTT packet accepted, in bytes (default 1048576); a larger one closes its connection.",
        CustomParser = result => FlagValue.Parse<int?>(result, ConnectionLimitsOptions.MinPacketSize),
        HelpName = "BYTES",
    };

    readonly Option<LogFormat?> _logFormat = new("--log-format")
    {
        Description = "Log lines as text (default) or as one JSON object per line (journald, Loki).",
        CustomParser = FlagValue.Parse<LogFormat?>,
        HelpName = "text|json",
    };
    readonly Option<bool> _verbose = new("-v", "--verbose") { Description = "Verbose logging (Debug), like mosquitto -v: also per-message events such as undeliverable P2P messages." };

    public CommandLine()
    {
        _accessKeys.Validators.Add(AccessKeyFlag.Validate);

        // The two contradict: a store in memory has no directory, and a production broker should not silently drop
        // where the operator asked it to keep its data.
        _dataDir.Validators.Add(result =>
        {
            if (result.GetResult(_inMemory) is { Implicit: false })
            {
                result.AddError("--data-dir and --in-memory contradict each other: --in-memory keeps nothing on disk, so no data directory is used; give one of them");
            }
        });

        Flags =
        [
            _port,
            _bind,
            _dataDir,
            _inMemory,
            _config,
            _httpPort,
            _webSocketPort,
            _webSocketOrigins,
            _accessKeys,
            _accessKeyFiles,
            _instanceId,
            _tlsPort,
            _tlsCertificate,
            _tlsKey,
            _tlsPfx,
            _tlsClientCa,
            _requireClientCertificate,
            _noPlain,
            _maxQueuedMessages,
            _maxQueuedBytes,
            _maxSubscriptions,
            _allowAnonymous,
            _p2pWithinGroupsOnly,
            _applicationGroups,
            _sysSubscribers,
            _p2pGateways,
            _aclFile,
            _passwordFile,
            _maxPacketSize,
            _logFormat,
            _verbose,
            .. _uplink.Options,
        ];
        Root = new RootCommand("EdgeBroker: an MQTT broker for IoT edge gateways, with point-to-point client-ID routing.");
        foreach (var flag in Flags)
        {
            Root.Add(flag);
        }
    }

    public RootCommand Root { get; }

    /// <summary>The broker's settings flags, taken by the root command and by <c>config check</c>, which prints what
    /// they make of the settings.</summary>
    public IReadOnlyList<Option> Flags { get; }

    /// <summary>The JSON file named by --config, if any.</summary>
    public FileInfo? ConfigFile(ParseResult result) => result.GetValue(_config);

    /// <summary>Only the flags that were given, as configuration keys, so absent flags do not hide other sources.</summary>
    public Dictionary<string, string?> ToConfiguration(ParseResult result)
    {
        var settings = new Dictionary<string, string?>();
        if (result.GetValue(_port) is { } port)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.Port)}"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.GetValue(_bind) is { } bind)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.Bind)}"] = bind;
        }

        if (result.GetValue(_dataDir) is { } dataDir)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.DataDir)}"] = dataDir;
        }

        if (result.GetValue(_inMemory))
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.Storage)}"] = nameof(StorageKind.Memory);
        }

        if (result.GetValue(_httpPort) is { } httpPort)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.HttpPort)}"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.GetValue(_webSocketPort) is { } webSocketPort)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.WebSocketPort)}"] = webSocketPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        AddList(settings, $"{BrokerOptions.Section}:{nameof(BrokerOptions.WebSocketOrigins)}", result.GetValue(_webSocketOrigins));
        if (result.GetValue(_instanceId) is { } instanceId)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.InstanceId)}"] = instanceId;
        }

        if (result.GetValue(_maxPacketSize) is { } maxPacketSize)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.Connections)}:{nameof(ConnectionLimitsOptions.MaxPacketSize)}"] =
                maxPacketSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.GetValue(_logFormat) is { } logFormat)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.LogFormat)}"] = logFormat.ToString();
        }

        if (result.GetValue(_verbose))
        {
            settings["Logging:LogLevel:Default"] = nameof(LogLevel.Debug);
            settings["Logging:LogLevel:EdgeBroker"] = nameof(LogLevel.Debug);
        }

        AddTlsSettings(result, settings);
        const string outboundQueue = $"{BrokerOptions.Section}:{nameof(BrokerOptions.OutboundQueue)}";
        if (result.GetValue(_maxQueuedMessages) is { } maxQueuedMessages)
        {
            settings[$"{outboundQueue}:{nameof(OutboundQueueOptions.MaxMessagesPerClient)}"] = maxQueuedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.GetValue(_maxQueuedBytes) is { } maxQueuedBytes)
        {
            settings[$"{outboundQueue}:{nameof(OutboundQueueOptions.MaxBytesPerClient)}"] = maxQueuedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (result.GetValue(_maxSubscriptions) is { } maxSubscriptions)
        {
            settings[$"{BrokerOptions.Section}:{nameof(BrokerOptions.MaxSubscriptionsPerClient)}"] = maxSubscriptions.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var security = $"{BrokerOptions.Section}:{nameof(BrokerOptions.Security)}";
        if (result.GetValue(_allowAnonymous))
        {
            settings[$"{security}:{nameof(SecuritySettings.AllowAnonymous)}"] = "true";
        }

        if (result.GetValue(_p2pWithinGroupsOnly))
        {
            settings[$"{security}:{nameof(SecuritySettings.P2PWithinGroupsOnly)}"] = "true";
        }

        AddList(settings, $"{security}:{nameof(SecuritySettings.ApplicationGroups)}", result.GetValue(_applicationGroups));
        AddList(settings, $"{security}:{nameof(SecuritySettings.SysSubscribers)}", result.GetValue(_sysSubscribers));
        AddList(settings, $"{security}:{nameof(SecuritySettings.P2PGateways)}", result.GetValue(_p2pGateways));
        foreach (var (option, key) in new[] { (_aclFile, nameof(SecuritySettings.AclFile)), (_passwordFile, nameof(SecuritySettings.PasswordFile)) })
        {
            if (result.GetValue(option) is { } file)
            {
                settings[$"{security}:{key}"] = file;
            }
        }

        // The flag's keys, then the files' (already read and checked by the parser).
        List<(string Id, string Secret)> accessKeys = [.. (result.GetValue(_accessKeys) ?? []).Select(value => AccessKeyFlag.Parse(value)!.Value)];
        accessKeys.AddRange(result.GetValue(_accessKeyFiles) ?? []);
        for (var i = 0; i < accessKeys.Count; i++)
        {
            var entry = FlagEntry($"{BrokerOptions.Section}:{nameof(BrokerOptions.AccessKeys)}", i);
            settings[$"{entry}:{nameof(AccessKeyOptions.Id)}"] = accessKeys[i].Id;
            settings[$"{entry}:{nameof(AccessKeyOptions.Secret)}"] = accessKeys[i].Secret;
        }

        _uplink.AddSettings(result, settings);
        return settings;
    }

    void AddTlsSettings(ParseResult result, Dictionary<string, string?> settings)
    {
        const string tls = $"{BrokerOptions.Section}:{nameof(BrokerOptions.Tls)}";
        if (result.GetValue(_tlsPort) is { } tlsPort)
        {
            settings[$"{tls}:{nameof(TlsOptions.Port)}"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (option, key) in new[]
                 {
                     (_tlsCertificate, nameof(TlsOptions.CertificateFile)),
                     (_tlsKey, nameof(TlsOptions.KeyFile)),
                     (_tlsPfx, nameof(TlsOptions.PfxFile)),
                     (_tlsClientCa, nameof(TlsOptions.ClientCaFile)),
                 })
        {
            if (result.GetValue(option) is { } file)
            {
                settings[$"{tls}:{key}"] = file;
            }
        }

        if (result.GetValue(_requireClientCertificate))
        {
            settings[$"{tls}:{nameof(TlsOptions.RequireClientCertificate)}"] = "true";
        }

        if (result.GetValue(_noPlain))
        {
            settings[$"{tls}:{nameof(TlsOptions.PlainListener)}"] = "false";
        }
    }

    /// <summary>Adds a repeatable flag's values to a list setting.</summary>
    internal static void AddList(Dictionary<string, string?> settings, string listKey, string[]? values)
    {
        for (var i = 0; i < (values?.Length ?? 0); i++)
        {
            settings[FlagEntry(listKey, i)] = values![i];
        }
    }

    /// <summary>The key of a repeatable flag's <paramref name="index"/>th value in a list setting. Not a number: list
    /// entries from appsettings.json or --config are numbered, and a flag adds an entry rather than replacing the one
    /// with the same index.</summary>
    internal static string FlagEntry(string listKey, int index) => $"{listKey}:command-line-{index}";
}
