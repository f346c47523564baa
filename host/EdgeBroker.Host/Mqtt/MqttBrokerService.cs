using System.Runtime.CompilerServices;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Runtime;
using EdgeBroker.Host.Security;
using EdgeBroker.Host.Storage;
using EdgeBroker.Host.Tls;
using EdgeBroker.Host.Transport;
using EdgeBroker.Host.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Mqtt;

/// <summary>Runs the MQTT listeners and the connections (<see cref="CoreBridge"/>) with the routing core behind them for
/// the lifetime of the host.</summary>
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
    /// <summary>How long a stop waits for the connections it closed to be reported ended (each takes milliseconds).</summary>
    static readonly TimeSpan ConnectionsClosedTimeout = TimeSpan.FromSeconds(5);

    readonly ILogger _logger = loggerFactory.CreateLogger<MqttBrokerService>();
    GuardedServerAdapter? _listeners;
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

    /// <summary>The MQTT over WebSocket port actually listened on; 0 when the WebSocket listener is off.</summary>
    public int BoundWebSocketPort { get; private set; }

    public CoreBridge Bridge => _bridge ?? throw new InvalidOperationException("The broker has not started.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var restored = core.Restore();
        // Refusals are counted in the core's RetainedMessages.Refused and logged by the bridge.
        // Each message counts its MQTT 5 properties as every bound does (the core's MessageFootprint): nothing beside.
        var retained = new RetainedMessages(settings.MaxRetainedMessages, settings.MaxRetainedBytes, null, storage.Retained);
        statistics.Retained = retained;
        _bridge = new CoreBridge(core, security, retained, settings.Mqtt311SessionExpirySeconds, settings.OutboundQueue.ToLimits(),
            loggerFactory.CreateLogger<CoreBridge>(), metrics)
        {
            PolicyLogsDenials = settings.EnforcesAccessControl(),
            ClientReady = uplinks.ClientReady,
            ClientGone = uplinks.ClientGone,
        };
        _listeners = new GuardedServerAdapter(settings.Connections,
            new ConnectionProblems(loggerFactory.CreateLogger<ConnectionProblems>(), settings.Connections.MaxTrackedSources), statistics.Bytes)
        {
            ClientHandler = _bridge.Serve,
        };
        _sysTree = new SysTree(core, statistics, settings.SysIntervalSeconds, Clock.MonotonicMs()) { Security = security };
        metrics.Track(core, statistics, security);
        if (storage.Writes is { } writes)
        {
            metrics.Track(writes);
        }

        Reactor.PinThreads = settings.PinReactorThreads;
        var plain = settings.Tls.PlainListener;
        var secure = tls.Certificate is not null;
        var webSocket = settings.WebSocketPort is not null;
        try
        {
            // In the order Endpoints lists them.
            var ports = _listeners.Start(Endpoints(settings));
            BoundPort = plain ? ports[0] : 0;
            BoundTlsPort = secure ? ports[plain ? 1 : 0] : 0;
            BoundWebSocketPort = webSocket ? ports[^1] : 0;
        }
        catch (EndpointBindException e)
        {
            var (listener, flag) = Describe(e.Endpoint);
            throw new CannotListenException(
                $"cannot listen for {listener} on {UrlHost.WithPort(settings.Bind, e.Endpoint.Port)}: {ListenFailure.Explain(e.Cause, flag)}", e);
        }

        // Said once every listener is up (Kestrel's starts after this service), so a start that fails on the HTTP port
        // prints its one error, not a listener that is about to close.
        lifetime.ApplicationStarted.Register(() =>
        {
            _logger.LogInformation(LogEvents.Startup, "Storage: {Storage}; {Restored} persistent sessions restored", storage.Description, restored);
            AnnounceListeners(settings);
            LogReactorPinning(settings);
            LogAnonymousAccess(settings);
            _logger.LogInformation(LogEvents.Startup, "P2P route announcements (federation) are accepted from {Announcers}", core.RouteAnnouncers);
            _logger.LogInformation(LogEvents.Startup, "P2P messages may reach {P2PReach}", core.P2PReach);
        });

        // The timers' callbacks and the host's code they run are compiled optimized at their first call
        // (MethodImplOptions.AggressiveOptimization), not tiered: code called once a second reaches the JIT's 30-call
        // thresholds 30 and 60 s after start and was recompiled then, in whatever traffic the broker was serving
        // (docs/performance.md, "The once-a-second code compiled before the measured phase").
        var sweep = TimeSpan.FromSeconds(settings.SessionExpirySweepSeconds);
        _expiryTimer = new Timer(SweepExpiredSessions, null, sweep, sweep);
        _tickTimer = new Timer(Tick, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        revocation.Revoked += OnRevoked;
        return Task.CompletedTask;
    }

    /// <summary>What <paramref name="endpoint"/> serves and the flag that sets its port, for a failure to bind it.</summary>
    static (string Listener, string PortFlag) Describe(MqttEndpoint endpoint) => endpoint switch
    {
        { WebSocket: not null } => ("MQTT over WebSocket", "--websocket-port"),
        { Tls: not null } => ("MQTT over TLS", "--tls-port"),
        _ => ("MQTT", "--port"),
    };

    /// <summary>States the admission's own decision (<see cref="SecurityOptions.AllowAnonymous"/>) and, when anonymous
    /// clients are admitted, what the access rules let them do.</summary>
    void LogAnonymousAccess(BrokerOptions settings)
    {
        if (!security.Options.AllowAnonymous)
        {
            LogAnonymousRefused(settings);
        }
        else if (!settings.EnforcesAccessControl())
        {
            _logger.Log(settings.IsLoopbackOnly ? LogLevel.Information : LogLevel.Warning, LogEvents.Startup,
                "Anonymous access: any client that can reach {Bind} may connect and publish or subscribe anywhere outside $ (no access keys or rules configured)",
                settings.Bind);
        }
        else if (settings.IsLoopbackOnly)
        {
            _logger.LogInformation(LogEvents.Startup, "Anonymous access: allowed; any client on this machine may connect without credentials (bound to loopback)");
        }
        else
        {
            _logger.LogWarning(LogEvents.Startup, "Anonymous access: allowed; any client that can reach {Bind} may connect without credentials", settings.Bind);
        }
    }

    void LogAnonymousRefused(BrokerOptions settings)
    {
        var pairedDevices = security.ListDevices().Count;
        if (security.Options.AccessKeyCount > 0 || security.Options.PasswordFile is not null)
        {
            _logger.LogInformation(LogEvents.Startup, "Anonymous access: refused; clients sign in with an access key ({Count} configured; Signature or Token mode), " +
                "as paired devices ({Devices} paired) or as users of the password file ({Users} users)",
                security.Options.AccessKeyCount, pairedDevices, security.Options.PasswordFile?.UserCount ?? 0);
            return;
        }

        // Paired devices are the only credentials, typically on a broker restarted on its data without the access key
        // they were paired with: plain clients are refused and nobody can manage the devices, so say how to get in.
        const string WayIn = "Start with an access key (" + AccessKeyOptions.SafeWays + ") to sign clients in and manage the devices, " +
            "or with --allow-anonymous to admit clients without credentials";
        if (settings.Security.AllowAnonymous is null)
        {
            _logger.LogInformation(LogEvents.Startup, "Anonymous access: refused because {Devices} paired device(s) are stored, which count as configured credentials: " +
                "only they may connect. " + WayIn, pairedDevices);
        }
        else
        {
            _logger.LogInformation(LogEvents.Startup, "Anonymous access: refused (Security:AllowAnonymous is false): only paired devices ({Devices} paired) may connect. " +
                WayIn, pairedDevices);
        }
    }

    /// <summary>Once a second: overdue offline batches, the $SYS tree, the heap's slack after growth (see
    /// <see cref="HeapTrim"/>), then lost credentials. A fault here is caught and logged (once per run of the same
    /// fault): an exception escaping a timer callback would end the process.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void Tick(object? state)
    {
        try
        {
            var monotonicMs = Clock.MonotonicMs();
            core.Tick(Clock.NowMs(), monotonicMs);
            _bridge?.Tick();
            _sysTree?.Tick(monotonicMs);
            if (_heapTrim.Tick() is var (before, after, pause))
            {
                _logger.LogDebug(LogEvents.HeapTrimmed, "Quiet after growth: heap trimmed in {PauseMs:N0} ms, resident memory {Before:N1} MB -> {After:N1} MB",
                    pause.TotalMilliseconds, before / 1048576.0, after / 1048576.0);
            }

            _tickFaults.Recovered();
        }
        catch (Exception e)
        {
            if (_tickFaults.ShouldReport(e))
            {
                _logger.LogError(LogEvents.UnexpectedError, e, "Unexpected error in the broker's periodic tick (it carries on; the same error again is not logged)");
            }
        }

        SendTokenExpiryNotices();
        CloseConnectionsWithLostCredentials();
    }

    void SendTokenExpiryNotices()
    {
        try
        {
            Bridge.SendTokenExpiryNotices();
        }
        catch (Exception e)
        {
            _logger.LogError(LogEvents.UnexpectedError, e, "Sending token expire notices failed");
        }
    }

    /// <summary>A device or token was revoked: its connections close now rather than at the next tick.</summary>
    void OnRevoked() => CloseConnectionsWithLostCredentials();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void CloseConnectionsWithLostCredentials()
    {
        try
        {
            Bridge.CloseConnectionsWithLostCredentials();
        }
        catch (Exception e)
        {
            _logger.LogError(LogEvents.UnexpectedError, e, "Closing connections whose credentials were revoked or expired failed");
        }
    }

    /// <summary>The plain listener, the TLS listener and the WebSocket listener, as configured, in that order (a port
    /// of 0 is bound as such: the system picks a free one). All are served the same way, so TLS and WebSocket
    /// connections get the same <see cref="GuardedChannel"/> limits as plain ones; the WebSocket listener is secured
    /// with the same certificate when TLS is on.</summary>
    List<MqttEndpoint> Endpoints(BrokerOptions settings)
    {
        var endpoints = new List<MqttEndpoint>();
        if (settings.Tls.PlainListener)
        {
            endpoints.Add(new MqttEndpoint(settings.BindAddress, settings.Port, Tls: null));
        }

        var secured = tls.Certificate is { } certificate ? new TlsEndpoint(certificate, ServerTls.Protocols, tls.ClientCertificates) : null;
        if (secured is not null)
        {
            endpoints.Add(new MqttEndpoint(settings.BindAddress, settings.Tls.Port, secured));
        }

        if (settings.WebSocketPort is { } webSocketPort)
        {
            endpoints.Add(new MqttEndpoint(settings.BindAddress, webSocketPort, secured,
                new WebSocketEndpoint(settings.WebSocketPath, new WebSocketOrigins(settings.WebSocketOrigins))));
        }

        return endpoints;
    }

    void LogReactorPinning(BrokerOptions settings)
    {
        if (!settings.PinReactorThreads)
        {
            return;
        }

        if (!Reactor.IsSupported)
        {
            _logger.LogWarning(LogEvents.Startup, "PinReactorThreads is on, but this platform serves connections with .NET's sockets (Linux only): nothing pinned");
        }
        else if (Reactor.Shared.PinnedCpus is { } cpus)
        {
            _logger.LogInformation(LogEvents.Startup, "Reactor threads kept to CPUs {Cpus} (PinReactorThreads)", string.Join(", ", cpus));
        }
        else
        {
            _logger.LogWarning(LogEvents.Startup, "PinReactorThreads is on, but the reactor started unpinned (another broker in this process, or no CPU set reported): nothing pinned");
        }
    }

    void AnnounceListeners(BrokerOptions settings)
    {
        if (BoundPort != 0)
        {
            _logger.LogInformation(LogEvents.Listening, "MQTT listener on mqtt://{Host}:{Port} (MQTT 3.1.1 and 5.0)", UrlHost.Of(settings.Bind), BoundPort);
        }
        else
        {
            _logger.LogInformation(LogEvents.Listening, "Plain MQTT listener off (Tls:PlainListener false): MQTT over TLS only");
        }

        if (tls.Certificate is { } certificate)
        {
            _logger.LogInformation(LogEvents.Listening,
                "MQTT over TLS listener on mqtts://{Host}:{Port} (MQTT 3.1.1 and 5.0; TLS 1.2 and 1.3; certificate {Subject}, valid until {NotAfter:u}; {ClientCertificates})",
                UrlHost.Of(settings.Bind), BoundTlsPort, certificate.Subject, certificate.NotAfter.ToUniversalTime(),
                tls.ClientCertificates is { } clients
                    ? $"client certificates required, issued by a CA in {clients.AuthoritiesFile}"
                    : "no client certificate required");
        }

        if (BoundWebSocketPort != 0)
        {
            _logger.LogInformation(LogEvents.Listening, "MQTT over WebSocket listener on {Scheme}://{Host}:{Port}{Path} (subprotocol mqtt; MQTT 3.1.1 and 5.0)",
                tls.Certificate is null ? "ws" : "wss", UrlHost.Of(settings.Bind), BoundWebSocketPort, settings.WebSocketPath);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        revocation.Revoked -= OnRevoked;
        await DisposeTimersAsync().ConfigureAwait(false);
        if (_listeners is not null && BoundPort + BoundTlsPort + BoundWebSocketPort > 0)
        {
            // An orderly stop, not a failure of the clients: no wills, and every session is back in the store before
            // the store closes (bounded: a stuck connection does not hold up the stop).
            _listeners.Stop();
            var closed = Bridge.ShuttingDown();
            if (await Task.WhenAny(closed, Task.Delay(ConnectionsClosedTimeout, CancellationToken.None)).ConfigureAwait(false) != closed)
            {
                _logger.LogWarning(LogEvents.ShutdownIncomplete, "Not every connection was reported closed within {Seconds} s of the stop; stopping anyway",
                    ConnectionsClosedTimeout.TotalSeconds);
            }

            _logger.LogInformation(LogEvents.Listening, "MQTT listener stopped");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeTimersAsync().ConfigureAwait(false);
        _listeners?.Dispose();
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void SweepExpiredSessions(object? state)
    {
        try
        {
            Bridge.ExpireSessions();
        }
        catch (Exception e)
        {
            _logger.LogError(LogEvents.StoreError, e, "Session expiry sweep failed");
        }
    }
}
