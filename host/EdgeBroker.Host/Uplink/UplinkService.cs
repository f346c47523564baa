using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Security;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// Runs the configured uplinks for the lifetime of the host. At start it hands each one to the core (so every accepted
/// PUBLISH is offered to it from the first connection on); once the host has started — the MQTT server is up, so
/// messages from upstream can be delivered and retained — it starts one <see cref="UplinkConnection"/> per uplink. Every
/// state change is published retained on <c>$SYS/uplink/{name}/state</c>, and logged as the core's
/// <see cref="UplinkStateReports"/> decides (a failure that keeps repeating is not logged on every attempt).
/// </summary>
sealed class UplinkService(
    IOptions<BrokerOptions> options,
    BrokerCore core,
    BrokerStorage storage,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    readonly ILogger _logger = loggerFactory.CreateLogger<UplinkService>();
    readonly List<UplinkConnection> _connections = [];
    readonly List<ProxyConnections> _proxies = [];
    readonly CancellationTokenSource _stopping = new();
    readonly List<Task> _running = [];

    /// <summary>Which state changes of each uplink are logged (filled before any uplink runs, read-only after).</summary>
    readonly Dictionary<Core.Uplink.Uplink, Reports> _reports = [];

    public IReadOnlyList<Core.Uplink.Uplink> Uplinks { get; private set; } = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        AcceptOnce();
        core.CycleOfUplinks = OnCycle;
        var uplinks = new List<Core.Uplink.Uplink>();
        foreach (var uplinkOptions in options.Value.Uplinks)
        {
            var settings = uplinkOptions.ToSettings(out _);
            settings.P2PMaxRoutes = options.Value.P2PMaxRoutes;
            var uplink = new Core.Uplink.Uplink(settings, storage.UplinkQueue, new CryptoRandomSource())
            {
                StateChanged = OnStateChanged,
                Dropped = OnDropped,
                P2PUnrouted = OnP2PUnrouted,
            };
            _reports[uplink] = new Reports();
            _connections.Add(new UplinkConnection(uplink, uplinkOptions, core, loggerFactory.CreateLogger<UplinkConnection>()));
            core.AddUplink(uplink);
            uplinks.Add(uplink);
            var status = uplink.Status(Clock.NowMs());
            _logger.LogInformation(LogEvents.Startup, "Uplink {Name}: {Addresses} as {ClientId}, {Forward} forward and {Subscribe} subscribe rule(s), {Queued} message(s) queued",
                uplink.Name, string.Join(", ", uplinkOptions.Addresses), uplink.Settings.ClientId, uplink.Settings.ForwardRules.Count,
                uplink.Settings.SubscribeRules.Count, status.Queued);
            if (uplink.Proxies.Enabled)
            {
                _proxies.Add(new ProxyConnections(uplink, uplinkOptions, core, loggerFactory.CreateLogger<ProxyConnections>()));
            }
        }

        Uplinks = uplinks;
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var connection in _connections)
            {
                _running.Add(Task.Run(() => connection.RunAsync(_stopping.Token)));
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>A local client's connection is ready to receive: each uplink that proxies its group opens a proxy
    /// session upstream for it (docs/federation.md, "Down path 1: proxy sessions").</summary>
    public void ClientReady(string clientId, object connection, uint sessionExpirySeconds)
    {
        foreach (var proxies in _proxies)
        {
            proxies.ClientReady(clientId, connection, sessionExpirySeconds);
        }
    }

    /// <summary>A local client's connection ended (with <paramref name="sessionExpirySeconds"/> in force; after its
    /// DISCONNECT when <paramref name="saidDisconnect"/>): its proxy sessions close the same way.</summary>
    public void ClientGone(string clientId, object connection, uint sessionExpirySeconds, bool saidDisconnect)
    {
        foreach (var proxies in _proxies)
        {
            proxies.ClientGone(clientId, connection, sessionExpirySeconds, saidDisconnect);
        }
    }

    /// <summary>As the upstream of other gateways: each dedupe id of a sender is routed once (<see cref="Router.Dedupe"/>),
    /// remembered across restarts of this broker where the store is durable.</summary>
    void AcceptOnce()
    {
        var window = new DedupeWindow(BrokerStorage.DedupeCapacity);
        if (storage.DedupeLog is { } log)
        {
            log.LoadInto(window);
            window.Accepted = log.Append;
        }

        core.Dedupe = window;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_proxies.Select(proxies => proxies.StopAsync(cancellationToken)));
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    void OnStateChanged(Core.Uplink.Uplink uplink, UplinkStatus status)
    {
        var level = _reports[uplink].State.Judge(status, Clock.MonotonicMs(), out var note);
        if (level == UplinkStateReports.Warning)
        {
            _logger.LogWarning(LogEvents.UplinkStateChanged, "Uplink {Name}: {State} ({Address}): {Error}; next attempt within {Backoff} ms (failure {Failures}){Note}",
                uplink.Name, UplinkStatus.StateName(status.State), status.Address, status.LastError, status.BackoffCapMs, status.Failures, note);
        }
        else if (level == UplinkStateReports.Information)
        {
            _logger.LogInformation(LogEvents.UplinkStateChanged, "Uplink {Name}: {State} ({Address}), {Queued} message(s) queued{Note}",
                uplink.Name, UplinkStatus.StateName(status.State), status.Address, status.Queued, note);
        }

        var payload = Encoding.UTF8.GetBytes(status.ToJson());
        core.PublishFromBroker(new RoutedMessage(uplink.StateTopic, payload, 0, true));
    }

    void OnCycle(string gatewayClientId, string path) =>
        _logger.LogError(LogEvents.UplinkCycle, "P2P federation: gateway {Gateway} announced a route through {Path}, which leads back up through this broker: the uplinks form a cycle. Its routes are ignored and its P2P messages no longer go up; fix the uplink configuration",
            gatewayClientId, path);

    void OnDropped(Core.Uplink.Uplink uplink, long droppedTotal)
    {
        // The core's rule for every per-message drop: the first, then at most one a minute.
        if (_reports[uplink].Dropped.ShouldReport(droppedTotal, out var tally))
        {
            _logger.LogWarning(LogEvents.UplinkQueueDropped, "Uplink {Name}: queue full (MaxQueuedMessages {Max}, MaxQueuedBytes {MaxBytes}): dropped the oldest message not yet sent{Tally}",
                uplink.Name, uplink.Settings.MaxQueuedMessages, uplink.Settings.MaxQueuedBytes, tally);
        }
    }

    void OnP2PUnrouted(Core.Uplink.Uplink uplink, string topic, long total)
    {
        if (_reports[uplink].Unrouted.ShouldReport(total, out var tally))
        {
            _logger.LogWarning(LogEvents.UplinkP2PUnrouted, "Uplink {Name}: a P2P message went up plainly on {Topic}: no gateway on the upstream announced its target, so only a subscriber to that address there receives it{Tally}",
                uplink.Name, ClientTextForLog.Of(topic), tally);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        foreach (var proxies in _proxies)
        {
            proxies.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>Which of an uplink's state changes and drops are logged.</summary>
    sealed class Reports
    {
        public UplinkStateReports State { get; } = new();

        public Core.Diagnostics.DropReports Dropped { get; } = new();

        public Core.Diagnostics.DropReports Unrouted { get; } = new();
    }
}
