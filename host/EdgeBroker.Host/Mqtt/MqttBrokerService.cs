using System.Net.Sockets;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Security;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace EdgeBroker.Host.Mqtt;

/// <summary>Runs the MQTTnet server with the routing core behind it for the lifetime of the host.</summary>
sealed class MqttBrokerService(
    IOptions<BrokerOptions> options,
    BrokerCore core,
    BrokerSecurity security,
    RevocationSignal revocation,
    BrokerStorage storage,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : IHostedService, IAsyncDisposable
{
    readonly ILogger _logger = loggerFactory.CreateLogger<MqttBrokerService>();
    MqttServer? _server;
    CoreBridge? _bridge;
    Timer? _expiryTimer;
    Timer? _tickTimer;

    /// <summary>The port actually listened on (differs from the setting when that is 0).</summary>
    public int BoundPort { get; private set; }

    public CoreBridge Bridge => _bridge ?? throw new InvalidOperationException("The broker has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var port = settings.Port == 0 ? FreePort(settings) : settings.Port;
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(settings.BindAddress)
            .WithDefaultEndpointBoundIPV6Address(System.Net.IPAddress.None)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(false)
            .WithDefaultCommunicationTimeout(TimeSpan.FromSeconds(10))
            .Build();

        var restored = core.Restore();
        var sessionPresent = new SessionPresentFlags();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [new SpecCompliantServerAdapter(sessionPresent)], new MqttNetLogAdapter(loggerFactory));
        _bridge = new CoreBridge(core, security, _server, sessionPresent, settings.Mqtt311SessionExpirySeconds, loggerFactory.CreateLogger<CoreBridge>());
        if (storage.Retained is { } retained)
        {
            _server.LoadingRetainedMessageAsync += e =>
            {
                e.LoadedRetainedMessages = retained.LoadAll();
                return Task.CompletedTask;
            };
            _server.RetainedMessageChangedAsync += e =>
            {
                retained.Apply(e.ChangedRetainedMessage);
                return Task.CompletedTask;
            };
        }

        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable)
        {
            _logger.LogCritical("Cannot listen on {Bind}:{Port}: {Reason}. Stop the other broker using it or pick another port with --port.",
                settings.Bind, port, e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "the port is already in use" : e.Message);
            Environment.ExitCode = ExitCodes.CannotListen;
            lifetime.StopApplication();
            return;
        }

        BoundPort = port;
        _logger.LogInformation("Storage: {Storage}; {Restored} persistent sessions restored", storage.Description, restored);
        _logger.LogInformation("MQTT listener on mqtt://{Bind}:{Port} (MQTT 3.1.1 and 5.0)", settings.Bind, port);
        LogAnonymousAccess(settings);

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
            _logger.LogInformation("Anonymous access: refused; clients sign in with an access key ({Count} configured; Signature or Token mode) or as paired devices",
                security.Options.AccessKeyCount);
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

    void Tick()
    {
        core.Tick(Clock.NowMs());
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

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        revocation.Revoked -= OnRevoked;
        await DisposeTimersAsync().ConfigureAwait(false);
        if (_server is { IsStarted: true })
        {
            await _server.StopAsync().ConfigureAwait(false);
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
            _logger.LogError(e, "Session expiry sweep failed");
        }
    }

    /// <summary>Asks the OS for a free port; used when the setting is 0 (tests run many brokers side by side).</summary>
    static int FreePort(BrokerOptions settings)
    {
        using var probe = new TcpListener(settings.BindAddress, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
