using EdgeBroker.Core;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Security;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// One proxy session upstream (docs/federation.md, "Down path 1: proxy sessions"): an MQTTnet client connected under a
/// local client's ID with the uplink's addresses, TLS and credentials, kept connected — reconnecting and failing over
/// across the addresses as the uplink does (<see cref="ReconnectSchedule"/>) — while the local client is, and closed
/// when it goes, the way it went (with a DISCONNECT, or dropped), so the upstream shows the client online exactly while
/// it is connected here. It subscribes to nothing: the upstream's own P2P routing delivers
/// <c>{parent}/p2p/{clientId}</c> to it, and <see cref="ProxyConnections"/> routes that to the local client through the
/// core before MQTTnet acknowledges it upstream.
/// </summary>
sealed class ProxyConnection
{
    readonly ProxyConnections _proxies;
    readonly string _clientId;
    readonly ReconnectSchedule _reconnect;
    readonly CancellationTokenSource _closing = new();
    Task _running = Task.CompletedTask;
    uint _sessionExpirySeconds;
    bool _sayDisconnect = true;

    /// <param name="sessionExpirySeconds">How long the upstream keeps the session after it ends: the local client's
    /// own session expiry, so a client whose session outlives its connection here has one upstream too, where
    /// messages for it wait while it is away.</param>
    public ProxyConnection(ProxyConnections proxies, string clientId, uint sessionExpirySeconds)
    {
        _proxies = proxies;
        _clientId = clientId;
        _sessionExpirySeconds = sessionExpirySeconds;
        _reconnect = new ReconnectSchedule(proxies.Uplink.Settings, new CryptoRandomSource());
    }

    public string ClientId => _clientId;

    /// <summary>Connects once <paramref name="previous"/> (an earlier proxy session of the same client ID, closing) has
    /// ended, so the two never take each other over upstream.</summary>
    public void Start(Task previous) => _running = Task.Run(async () =>
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await RunAsync();
    });

    /// <summary>Ends the proxy session with a DISCONNECT and the session expiry it connected with (the broker stops).</summary>
    public Task CloseAsync() => CloseAsync(_sessionExpirySeconds, true);

    /// <summary>Ends the proxy session as the local client's connection ended: with <paramref name="sayDisconnect"/>, a
    /// DISCONNECT carrying <paramref name="sessionExpirySeconds"/> (the client's expiry then, which its MQTT 5
    /// DISCONNECT may have changed); otherwise the connection is dropped without one, so the upstream sees the client
    /// lost, as the gateway did, and keeps the expiry it connected with.</summary>
    public Task CloseAsync(uint sessionExpirySeconds, bool sayDisconnect)
    {
        _sessionExpirySeconds = sessionExpirySeconds;
        _sayDisconnect = sayDisconnect;
        _closing.Cancel();
        return _running.ContinueWith(_ => _closing.Dispose(), TaskScheduler.Default);
    }

    async Task RunAsync()
    {
        while (!_closing.IsCancellationRequested)
        {
            var failure = await ConnectAndServeAsync(_reconnect.NextAttempt());
            if (failure is null || _closing.IsCancellationRequested)
            {
                continue;
            }

            // The uplink's own schedule: a failed attempt moves on to the next address, a lost connection retries it.
            var now = Clock.MonotonicMs();
            if (failure.Value.Attempt)
            {
                _reconnect.AttemptFailed(now);
            }
            else
            {
                _reconnect.ConnectionLost(now);
            }

            _proxies.Failed(this, failure.Value.Reason);
            await Task.Delay(TimeSpan.FromMilliseconds(_reconnect.WaitMs(now)), _closing.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One connection: null when it ended because the proxy closed; otherwise why it failed, and whether the
    /// attempt itself failed (rather than a connection that was up).</summary>
    async Task<(string Reason, bool Attempt)?> ConnectAndServeAsync(UplinkAddress address)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => _proxies.Receive(_clientId, e);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            lost.TrySetResult(UplinkConnection.DescribeLoss(e));
            return Task.CompletedTask;
        };

        var version = _proxies.Speaks311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        var fallBack = false;
        try
        {
            var result = await client.ConnectAsync(_proxies.ClientOptions.Build(address, version, _clientId, _sessionExpirySeconds), _closing.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                if (!(UplinkConnection.RefusesMqtt5(result.ResultCode) && _proxies.FallBack(version)))
                {
                    return ($"CONNACK refused: {result.ResultCode} (0x{(int)result.ResultCode:x2})", true);
                }

                fallBack = true;
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (UplinkConnection.IsUnreadableConnAck(e) && _proxies.FallBack(version))
        {
            fallBack = true;
        }
        catch (Exception e)
        {
            return (UplinkConnection.DescribeAttempt(e, address), true);
        }

        if (fallBack)
        {
            // The upstream speaks MQTT 3.1.1 only (the uplink's own connection logs it): again, at once, with 3.1.1.
            return await ConnectAndServeAsync(address);
        }

        _reconnect.Connected(Clock.MonotonicMs());
        _proxies.Connected(this);
        await Task.WhenAny(lost.Task, Task.Delay(Timeout.Infinite, _closing.Token));
        if (!_closing.IsCancellationRequested)
        {
            return (lost.Task.Result, false);
        }

        // Without a DISCONNECT, disposing the client closes its connection (MQTTnet sends nothing more).
        if (_sayDisconnect && client.IsConnected)
        {
            var disconnect = new MqttClientDisconnectOptionsBuilder();
            if (version == MqttProtocolVersion.V500)
            {
                disconnect.WithSessionExpiryInterval(_sessionExpirySeconds);
            }

            await client.DisconnectAsync(disconnect.Build(), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return null;
    }
}
