using System.Net.Sockets;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Runtime;
using EdgeBroker.Host.Security;
using EdgeBroker.Host.Storage;
using EdgeBroker.Host.Tls;
using EdgeBroker.Host.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace EdgeBroker.Host.Mqtt;

/// <summary>Runs the MQTTnet server with the routing core behind it for the lifetime of the host.</summary>
sealed class MqttBrokerService(
    IOptions<BrokerOptions> options,
    ServerTls tls,
    BrokerCore core,
    BrokerSecurity security,
    RevocationSignal revocation,
    BrokerStorage storage,
    HostStatistics statistics,
    BrokerMetrics metrics,
    UplinkService uplinks,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : IHostedService, IAsyncDisposable
{
    /// <summary>Room in MQTTnet's per-client queue beyond what the core's outbound limits admit (MQTTnet's default size):
    /// retained messages after a SUBACK normally go through the connection (<see cref="RetainedOnSubscribe"/>) and are
    /// counted there, but MQTTnet queues any that no connection takes itself.</summary>
    const int RetainedPendingMessages = 1000;

    /// <summary>The send buffer MQTTnet gives each connection up front (its default: 4 KB, most of an idle
    /// connection's managed memory; measured 2,000 idle clients × 4,120-byte arrays). It grows on demand for a
    /// larger packet, so it only needs to hold the common short one (CONNACK, SUBACK, PUBACK, a sensor message).</summary>
    const int SendBufferBytes = 256;

    /// <summary>What a send buffer shrinks back to after a larger packet (MQTTnet's default keeps up to 64 KB per
    /// connection that once sent one).</summary>
    const int SendBufferMaxBytes = 4096;

    /// <summary>How long a stop waits for MQTTnet to report the connections it closed (each takes milliseconds).</summary>
    static readonly TimeSpan ConnectionsClosedTimeout = TimeSpan.FromSeconds(5);

    readonly ILogger _logger = loggerFactory.CreateLogger<MqttBrokerService>();
    MqttServer? _server;
    CoreBridge? _bridge;
    Timer? _expiryTimer;
    Timer? _tickTimer;
    readonly FaultGate _tickFaults = new();
    readonly HeapTrim _heapTrim = new();
    SysTree? _sysTree;

    /// <summary>The plain MQTT port actually listened on (differs from the setting when that is 0); 0 when the plain
    /// listener is off.</summary>
    public int BoundPort { get; private set; }

    /// <summary>The MQTT over TLS port actually listened on; 0 when TLS is off.</summary>
    public int BoundTlsPort { get; private set; }

    public CoreBridge Bridge => _bridge ?? throw new InvalidOperationException("The broker has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // From here on 0 means "no such listener": a port setting of 0 has been replaced by a free port.
        var port = !settings.Tls.PlainListener ? 0 : settings.Port == 0 ? FreePorts.Next(settings.BindAddress) : settings.Port;
        var tlsPort = tls.Certificate is null ? 0 : settings.Tls.Port == 0 ? FreePorts.Next(settings.BindAddress) : settings.Tls.Port;
        var serverOptions = Listeners(new MqttServerOptionsBuilder(), settings, port, tlsPort)
            .WithPersistentSessions(false)
            .WithMaxPendingMessagesPerClient(PendingMessagesPerClient(settings))
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .WithDefaultCommunicationTimeout(TimeSpan.FromSeconds(10))
            .Build();
        serverOptions.WriterBufferSize = SendBufferBytes;
        serverOptions.WriterBufferSizeMax = SendBufferMaxBytes;

        var restored = core.Restore();
        var sessionPresent = new SessionPresentFlags();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions,
            [new GuardedServerAdapter(sessionPresent, settings.Connections,
                new ConnectionProblems(loggerFactory.CreateLogger<ConnectionProblems>(), settings.Connections.MaxTrackedSources), statistics.Bytes)],
            new MqttNetLogAdapter(loggerFactory));
        _bridge = new CoreBridge(core, security, _server, sessionPresent, settings.Mqtt311SessionExpirySeconds, settings.OutboundQueue.ToLimits(),
            loggerFactory.CreateLogger<CoreBridge>())
        {
            Metrics = metrics,
            PolicyLogsDenials = settings.EnforcesAccessControl(),
            ClientReady = uplinks.ClientReady,
            ClientGone = uplinks.ClientGone,
        };
        if (storage.Retained is { } retained)
        {
            _server.LoadingRetainedMessageAsync += e =>
            {
                e.LoadedRetainedMessages = retained.LoadAll();
                statistics.RetainedCount = e.LoadedRetainedMessages.Count;
                return Task.CompletedTask;
            };
            _server.RetainedMessageChangedAsync += e =>
            {
                retained.Apply(e.ChangedRetainedMessage);
                return Task.CompletedTask;
            };
        }

        _server.RetainedMessageChangedAsync += e =>
        {
            statistics.RetainedCount = e.StoredRetainedMessages.Count;
            return Task.CompletedTask;
        };
        _sysTree = new SysTree(core, statistics, settings.SysIntervalSeconds, Clock.NowMs()) { Security = security };
        metrics.Track(core, statistics, security);
        if (storage.Writes is { } writes)
        {
            metrics.Track(writes);
        }

        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable)
        {
            // MQTTnet does not say which of its listeners failed.
            _logger.LogCritical("Cannot listen on {Bind} port {Ports}: {Reason}. Stop the other broker using it or pick another port with {Flags}.",
                settings.Bind, string.Join(" or ", new[] { port, tlsPort }.Where(p => p != 0)),
                e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is already in use" : e.Message,
                tlsPort == 0 ? "--port" : port == 0 ? "--tls-port" : "--port or --tls-port");
            Environment.ExitCode = ExitCodes.CannotListen;
            lifetime.StopApplication();
            return;
        }

        BoundPort = port;
        BoundTlsPort = tlsPort;
        _logger.LogInformation("Storage: {Storage}; {Restored} persistent sessions restored", storage.Description, restored);
        AnnounceListeners(settings);
        LogAnonymousAccess(settings);
        _logger.LogInformation("P2P route announcements (federation) are accepted from {Announcers}", core.RouteAnnouncers);

        var sweep = TimeSpan.FromSeconds(settings.SessionExpirySweepSeconds);
        _expiryTimer = new Timer(_ => _ = SweepExpiredSessions(), null, sweep, sweep);
        _tickTimer = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        revocation.Revoked += OnRevoked;
    }

    void LogAnonymousAccess(BrokerOptions settings)
    {
        if (!settings.EnforcesAccessControl())
        {
            _logger.Log(settings.IsLoopbackOnly ? LogLevel.Information : LogLevel.Warning,
                "Anonymous access: any client that can reach {Bind} may connect and publish or subscribe anywhere outside $ (no access keys or rules configured)",
                settings.Bind);
        }
        else if (!security.Options.AllowAnonymous)
        {
            _logger.LogInformation("Anonymous access: refused; clients sign in with an access key ({Count} configured; Signature or Token mode), " +
                "as paired devices or as users of the password file ({Users} users)",
                security.Options.AccessKeyCount, security.Options.PasswordFile?.UserCount ?? 0);
        }
        else if (settings.IsLoopbackOnly)
        {
            _logger.LogInformation("Anonymous access: allowed; any client on this machine may connect without credentials (bound to loopback)");
        }
        else
        {
            _logger.LogWarning("Anonymous access: allowed; any client that can reach {Bind} may connect without credentials", settings.Bind);
        }
    }

    /// <summary>Once a second: overdue offline batches, the $SYS tree, the heap's slack after growth (see
    /// <see cref="HeapTrim"/>), then lost credentials. A fault here is caught and logged (once per run of the same
    /// fault): an exception escaping a timer callback would end the process.</summary>
    void Tick()
    {
        try
        {
            var nowMs = Clock.NowMs();
            core.Tick(nowMs);
            _sysTree?.Tick(nowMs);
            if (_heapTrim.Tick() is var (before, after, pause))
            {
                _logger.LogDebug("Quiet after growth: heap trimmed in {PauseMs:N0} ms, resident memory {Before:N1} MB -> {After:N1} MB",
                    pause.TotalMilliseconds, before / 1048576.0, after / 1048576.0);
            }

            _tickFaults.Recovered();
        }
        catch (Exception e)
        {
            if (_tickFaults.ShouldReport(e))
            {
                _logger.LogError(e, "Unexpected error in the broker's periodic tick (it carries on; the same error again is not logged)");
            }
        }

        _ = CloseConnectionsWithLostCredentials();
    }

    /// <summary>A device or token was revoked: its connections close now rather than at the next tick.</summary>
    void OnRevoked() => _ = CloseConnectionsWithLostCredentials();

    async Task CloseConnectionsWithLostCredentials()
    {
        try
        {
            await Bridge.CloseConnectionsWithLostCredentialsAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Closing connections whose credentials were revoked or expired failed");
        }
    }

    /// <summary>MQTTnet's own bound, above the core's outbound limit so that it never refuses a routed message; when
    /// full it refuses the newest (DropNewMessage) — its default, dropping the oldest, would leave a dropped QoS 1 message
    /// in its unacknowledged list forever. A returning client's stored backlog no longer needs to fit: what the outbound
    /// limit refuses stays in the store and follows with the next batch.</summary>
    static int PendingMessagesPerClient(BrokerOptions settings) =>
        (int)Math.Min((long)settings.OutboundQueue.MaxMessagesPerClient + RetainedPendingMessages, int.MaxValue);

    /// <summary>The plain listener and the TLS listener, as configured. Both go through the same TCP adapter, so TLS
    /// connections get the same <see cref="GuardedChannel"/> limits and corrections as plain ones.</summary>
    MqttServerOptionsBuilder Listeners(MqttServerOptionsBuilder builder, BrokerOptions settings, int port, int tlsPort)
    {
        if (port == 0)
        {
            builder.WithoutDefaultEndpoint();
        }
        else
        {
            builder.WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(settings.BindAddress)
                .WithDefaultEndpointBoundIPV6Address(System.Net.IPAddress.None)
                .WithDefaultEndpointPort(port);
        }

        if (tls.Certificate is { } certificate)
        {
            builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(settings.BindAddress)
                .WithEncryptedEndpointBoundIPV6Address(System.Net.IPAddress.None)
                .WithEncryptedEndpointPort(tlsPort)
                .WithEncryptionCertificate(certificate)
                .WithEncryptionSslProtocol(ServerTls.Protocols);
            if (tls.ClientCertificates is { } clientCertificates)
            {
                builder.WithClientCertificate(clientCertificates.Validate);
            }
        }

        return builder;
    }

    void AnnounceListeners(BrokerOptions settings)
    {
        if (BoundPort != 0)
        {
            _logger.LogInformation("MQTT listener on mqtt://{Bind}:{Port} (MQTT 3.1.1 and 5.0)", settings.Bind, BoundPort);
        }
        else
        {
            _logger.LogInformation("Plain MQTT listener off (Tls:PlainListener false): MQTT over TLS only");
        }

        if (tls.Certificate is { } certificate)
        {
            _logger.LogInformation(
                "MQTT over TLS listener on mqtts://{Bind}:{Port} (MQTT 3.1.1 and 5.0; TLS 1.2 and 1.3; certificate {Subject}, valid until {NotAfter:u}; {ClientCertificates})",
                settings.Bind, BoundTlsPort, certificate.Subject, certificate.NotAfter.ToUniversalTime(),
                tls.ClientCertificates is { } clients
                    ? $"client certificates required, issued by a CA in {clients.AuthoritiesFile}"
                    : "no client certificate required");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        revocation.Revoked -= OnRevoked;
        await DisposeTimersAsync().ConfigureAwait(false);
        if (_server is { IsStarted: true })
        {
            // An orderly stop, not a failure of the clients: no wills, and every session is back in the store before
            // the store closes (bounded: a stuck connection does not hold up the stop).
            var closed = Bridge.ShuttingDown();
            await _server.StopAsync().ConfigureAwait(false);
            if (await Task.WhenAny(closed, Task.Delay(ConnectionsClosedTimeout, CancellationToken.None)).ConfigureAwait(false) != closed)
            {
                _logger.LogWarning("Not every connection was reported closed within {Seconds} s of the stop; stopping anyway",
                    ConnectionsClosedTimeout.TotalSeconds);
            }

            _logger.LogInformation("MQTT listener stopped");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeTimersAsync().ConfigureAwait(false);
        _server?.Dispose();
    }

    async Task DisposeTimersAsync()
    {
        foreach (var timer in new[] { _expiryTimer, _tickTimer })
        {
            if (timer is not null)
            {
                await timer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    async Task SweepExpiredSessions()
    {
        try
        {
            await Bridge.ExpireSessionsAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(LogEvents.StoreError, e, "Session expiry sweep failed");
        }
    }
}
