using System.Buffers;
using System.Collections.Concurrent;
using EdgeBroker.Core;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// The proxy sessions of one uplink (docs/federation.md, "Down path 1: proxy sessions"): the core's
/// <see cref="ProxySessions"/> decides which local client gets one (its group is proxied, the cap not reached); this
/// opens a <see cref="ProxyConnection"/> for it when the client is ready to receive and closes it when the client's
/// connection ends, and routes what the upstream delivers on it to the local client through the core. Failures are
/// logged once per run of failures across all proxy sessions, not per session.
/// </summary>
sealed class ProxyConnections : IDisposable
{
    /// <summary>How long a stop waits for the proxy sessions' DISCONNECTs.</summary>
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    readonly BrokerCore _core;
    readonly ILogger _logger;
    readonly ConcurrentDictionary<string, ProxyConnection> _open = new();

    /// <summary>Shared by the proxy sessions, each of which takes its own messages: a pause one of them starts (its
    /// client not draining) holds none of them back for a while, which costs only the waiting.</summary>
    readonly DownlinkHoldBack _holdBack;

    /// <summary>Proxy sessions of client IDs that are closing: a new one for the same client ID waits for its end.</summary>
    readonly ConcurrentDictionary<string, Task> _closing = new();

    /// <summary>Proxy sessions whose last attempt failed.</summary>
    readonly ConcurrentDictionary<ProxyConnection, bool> _failing = new();
    int _capLogged;

    public ProxyConnections(Core.Uplink.Uplink uplink, UplinkOptions options, BrokerCore core, ILogger logger)
    {
        Uplink = uplink;
        _core = core;
        _holdBack = new DownlinkHoldBack(core, uplink.Settings.KeepAliveSeconds);
        _logger = logger;
        ClientOptions = new UplinkClientOptions(options, uplink.Settings, willTopic: null);
        Speaks311 = options.Protocol == UplinkProtocol.V311;
        CanFallBack = options.Protocol == UplinkProtocol.Auto;
    }

    public Core.Uplink.Uplink Uplink { get; }

    public UplinkClientOptions ClientOptions { get; }

    /// <summary>Whether proxy sessions connect with MQTT 3.1.1 (configured so, or the upstream refused MQTT 5).</summary>
    public bool Speaks311 { get; private set; }

    bool CanFallBack { get; }

    /// <summary>A local client's connection is ready to receive: opens its proxy session when the core says so.</summary>
    public void ClientReady(string clientId, object connection, uint sessionExpirySeconds)
    {
        switch (Uplink.Proxies.Admit(clientId, connection))
        {
            case ProxyAdmission.Open:
                var proxy = new ProxyConnection(this, clientId, sessionExpirySeconds);
                _open[clientId] = proxy;
                proxy.Start(_closing.TryGetValue(clientId, out var previous) ? previous : Task.CompletedTask);
                break;
            case ProxyAdmission.OverCap when Interlocked.Exchange(ref _capLogged, 1) == 0:
                _logger.LogWarning(LogEvents.ProxySessionsCapReached,
                    "Uplink {Name}: {Max} proxy sessions are open (MaxProxySessions); {ClientId} and further clients of proxied groups get none" +
                    " and are reached by the envelope path where the uplink federates P2P (counted as proxyOverCap; logged once)",
                    Uplink.Name, Uplink.Settings.MaxProxySessions, ClientTextForLog.Of(clientId));
                break;
        }
    }

    /// <summary>A local client's connection ended: closes its proxy session when that connection owned it — with a
    /// DISCONNECT when the client said one, otherwise by dropping the connection, as the client's was.</summary>
    public void ClientGone(string clientId, object connection, uint sessionExpirySeconds, bool saidDisconnect)
    {
        if (!Uplink.Proxies.Release(clientId, connection) || !_open.TryRemove(clientId, out var proxy))
        {
            return;
        }

        _failing.TryRemove(proxy, out _);
        var closed = proxy.CloseAsync(sessionExpirySeconds, saidDisconnect);
        _closing[clientId] = closed;
        closed.ContinueWith(_ => _closing.TryRemove(new KeyValuePair<string, Task>(clientId, closed)), TaskScheduler.Default);
    }

    /// <summary>What the upstream delivered on <paramref name="clientId"/>'s proxy session: its P2P address only, routed
    /// to the local client through the core, acknowledged upstream once the core delivered or stored it.</summary>
    public async Task Receive(string clientId, MqttApplicationMessageReceivedEventArgs e)
    {
        var received = e.ApplicationMessage;
        var hops = P2PEnvelope.HopsOf(received.UserProperties?.FirstOrDefault(property => property.Name == P2PEnvelope.HopsProperty)?.ReadValueAsString());
        var routed = Uplink.Proxies.Down(clientId, received.Topic, received.Payload.ToArray(), (int)received.QualityOfServiceLevel, hops);
        if (routed is null)
        {
            _logger.LogDebug(LogEvents.ProxyMessageIgnored, "Uplink {Name}: ignored a message for {Topic} on the proxy session of {ClientId}: not its P2P address",
                Uplink.Name, ClientTextForLog.Of(received.Topic), ClientTextForLog.Of(clientId));
        }
        else if (!await UpstreamMessages.RouteAsync(_core, _holdBack, routed, e, _logger, Uplink.Name).ConfigureAwait(false))
        {
            _logger.LogWarning(LogEvents.StoreError, "Uplink {Name}: could not keep a message from upstream for {ClientId}; the upstream will send it again",
                Uplink.Name, ClientTextForLog.Of(clientId));
        }
    }

    /// <summary>The upstream refused MQTT 5 on a proxy session's CONNECT: whether to try again with 3.1.1.</summary>
    public bool FallBack(MqttProtocolVersion version)
    {
        if (version != MqttProtocolVersion.V500 || !CanFallBack)
        {
            return false;
        }

        Speaks311 = true;
        return true;
    }

    public void Connected(ProxyConnection proxy)
    {
        if (_failing.TryRemove(proxy, out _) && _failing.IsEmpty)
        {
            _logger.LogInformation(LogEvents.ProxySessionsFailing, "Uplink {Name}: every proxy session is connected again ({Count} open)",
                Uplink.Name, Uplink.Proxies.Count);
        }
    }

    public void Failed(ProxyConnection proxy, string reason)
    {
        var first = _failing.IsEmpty;
        if (_failing.TryAdd(proxy, true) && first)
        {
            _logger.LogWarning(LogEvents.ProxySessionsFailing, "Uplink {Name}: the proxy session of {ClientId} could not connect: {Reason}; it retries with backoff" +
                " (further failures are not logged until every proxy session is connected again)", Uplink.Name, ClientTextForLog.Of(proxy.ClientId), reason);
        }
    }

    /// <summary>Closes every proxy session still open (the broker stops): the upstream keeps the persistent ones.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var closing = _open.Values.Select(proxy => proxy.CloseAsync()).Concat(_closing.Values).ToList();
        _open.Clear();
        await Task.WhenAll(closing).WaitAsync(CloseTimeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => ClientOptions.Dispose();
}
