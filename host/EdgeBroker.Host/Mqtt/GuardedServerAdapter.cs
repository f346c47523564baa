using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Core;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The MQTT listeners (plain, TLS and WebSocket, as configured), accepting connections so that a connection costs only
/// what the configuration allows before it has said who it is: a source address over its connection rate is closed at
/// once (the core's <see cref="SourceRateLimiter"/>), a TLS handshake, a WebSocket upgrade and then a CONNECT must
/// complete in time, and packets are read by a <see cref="GuardedChannel"/>. Only a connection that sent a CONNECT
/// reaches <see cref="ClientHandler"/>, whichever listener accepted it.
/// </summary>
/// <param name="bytes">Where every connection's MQTT bytes are counted.</param>
sealed class GuardedServerAdapter(ConnectionLimitsOptions limits, ConnectionProblems problems, ByteCounters bytes) : IDisposable
{
    /// <summary>Connections the kernel may hold before they are accepted.</summary>
    const int ConnectionBacklog = 100;

    /// <summary>Pause after a failed accept (out of file descriptors) so the loop does not spin.</summary>
    static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    readonly SourceRateLimiter _connectionRate = new(limits.MaxConnectionsPerSource,
        (long)(limits.ConnectionRateWindowSeconds * 1000), limits.MaxTrackedSources);

    /// <summary>What every channel shares: the maximum packet size, the MQTT 5 limits every connection announces and
    /// enforces, the problem log and the byte counters.</summary>
    readonly GuardedChannel.Shared _channels = new(limits.MaxPacketSize, limits.ToFlowLimits(), problems, bytes);

    readonly List<ConnectionListener> _listeners = [];
    CancellationTokenSource? _stopping;

    /// <summary>Takes over a connection whose CONNECT was read: serves it until it ends and closes the channel then.</summary>
    public Action<GuardedChannel>? ClientHandler { get; set; }

    /// <summary>Listens on every endpoint (all or none: a failure stops those already listening and throws
    /// <see cref="EndpointBindException"/> naming the endpoint) and returns the port each listens on, in order: an
    /// endpoint's port 0 is bound as such, so the system picks a free port in the same call that takes it and no other
    /// socket can come between.</summary>
    public int[] Start(IReadOnlyList<MqttEndpoint> endpoints)
    {
        _stopping = new CancellationTokenSource();
        try
        {
            var ports = new int[endpoints.Count];
            for (var i = 0; i < ports.Length; i++)
            {
                ports[i] = Listen(endpoints[i]);
            }

            return ports;
        }
        catch
        {
            Stop();
            throw;
        }
    }

    public void Dispose() => Stop();

    /// <summary>Stops accepting connections (those accepted carry on until closed).</summary>
    public void Stop()
    {
        _stopping?.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
    }

    int Listen(MqttEndpoint endpoint)
    {
        ConnectionListener listener;
        try
        {
            listener = ConnectionListener.Open(new IPEndPoint(endpoint.Address, endpoint.Port), ConnectionBacklog, noDelay: true);
        }
        catch (SocketException e)
        {
            throw new EndpointBindException(endpoint, e);
        }

        _listeners.Add(listener);
        var stopping = _stopping!.Token;
        _ = Task.Run(() => AcceptAsync(listener, endpoint, stopping), stopping);
        return ((IPEndPoint)listener.LocalEndPoint).Port;
    }

    async Task AcceptAsync(ConnectionListener listener, MqttEndpoint endpoint, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            AcceptedConnection client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(AcceptRetryDelay, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            _ = ServeAsync(client, endpoint, stopping);
        }
    }

    /// <summary>Sets one accepted connection up and hands it to <see cref="ClientHandler"/>. Nothing of this method is
    /// kept while the client is connected: its state machine ends once the handler took the channel, which closes it
    /// itself when the connection ends.</summary>
    async Task ServeAsync(AcceptedConnection client, MqttEndpoint endpoint, CancellationToken stopping)
    {
        // Off the accept loop, without a task wrapping this one (as Task.Run would).
        await Task.Yield();
        if (await ConnectAsync(client, endpoint, stopping).ConfigureAwait(false) is { } channel)
        {
            ClientHandler!(channel);
        }
    }

    /// <summary>Sets a connection up: the rate limit, the TLS handshake, the WebSocket upgrade and the CONNECT; the
    /// channel once a CONNECT was read and a <see cref="ClientHandler"/> waits for it, else null (the connection closed,
    /// refusals reported).</summary>
    async Task<GuardedChannel?> ConnectAsync(AcceptedConnection client, MqttEndpoint endpoint, CancellationToken stopping)
    {
        var tls = endpoint.Tls;
        var stream = client.Stream;
        var source = "unknown";
        GuardedChannel? channel = null;
        var handedOver = false;
        try
        {
            var remote = client.RemoteEndPoint;
            source = SourceAddress.Of(remote);
            if (!_connectionRate.Allow(source, Clock.MonotonicMs()))
            {
                problems.Report(source, $"more than {limits.MaxConnectionsPerSource} new connections within {limits.ConnectionRateWindowSeconds:0.#} s");
                return null;
            }

            var input = new ConnectionInput(client.Input, layered: tls is not null || endpoint.WebSocket is not null);
            if (tls is not null)
            {
                var secured = await HandshakeAsync(new TlsInputStream(stream, input), tls, source, stopping).ConfigureAwait(false);
                if (secured is null)
                {
                    return null;
                }

                stream = secured;
            }

            if (endpoint.WebSocket is { } webSocket)
            {
                if (!await UpgradeAsync(stream, webSocket, source, stopping).ConfigureAwait(false))
                {
                    return null;
                }

                stream = new WebSocketFrameStream(stream, input, limits.MaxPacketSize, problems, source);
            }

            channel = new GuardedChannel(stream, source, SourceAddress.PortOf(remote), _channels, input);
            if (await channel.ReceiveConnectAsync(TimeSpan.FromSeconds(limits.ConnectTimeoutSeconds), stopping).ConfigureAwait(false)
                && ClientHandler is not null)
            {
                if (stream is ReactorStream reactorStream)
                {
                    // From now on its reader and writer continue on the reactor's thread that saw the readiness (one
                    // wake-up per packet); TLS and WebSocket keep the thread pool (their layer's work — a renegotiation,
                    // a pong — is not short).
                    reactorStream.ContinueOnReactor();
                }

                handedOver = true;
                return channel;
            }
        }
        catch (Exception e)
        {
            Unexpected(e, source);
        }
        finally
        {
            if (!handedOver)
            {
                channel?.Dispose();
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>A connection lost or the broker stopping is expected; anything else is not (the handler handles its own
    /// errors) and is logged rather than lost in a detached task.</summary>
    void Unexpected(Exception e, string source)
    {
        if (e is not (IOException or SocketException or ObjectDisposedException or OperationCanceledException))
        {
            problems.Report(source, $"unexpected {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The WebSocket upgrade (<see cref="WebSocketHandshake"/>), within
    /// <see cref="ConnectionLimitsOptions.ConnectTimeoutSeconds"/>; true once the stream speaks WebSocket, else false (the
    /// refusal answered and reported).</summary>
    async Task<bool> UpgradeAsync(Stream stream, WebSocketEndpoint webSocket, string source, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(TimeSpan.FromSeconds(limits.ConnectTimeoutSeconds));
        try
        {
            if (await WebSocketHandshake.AcceptAsync(stream, webSocket.Path, webSocket.Origins, deadline.Token).ConfigureAwait(false) is not { } refusal)
            {
                return true;
            }

            problems.Report(source, refusal);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            problems.Report(source, $"no WebSocket upgrade request within {limits.ConnectTimeoutSeconds:0.#} s");
        }

        return false;
    }

    /// <summary>The TLS handshake, within <see cref="ConnectionLimitsOptions.TlsHandshakeTimeoutSeconds"/>; null (and
    /// reported) when it fails or takes too long.</summary>
    async Task<SslStream?> HandshakeAsync(Stream stream, TlsEndpoint tls, string source, CancellationToken stopping)
    {
        // Why the client's certificate was refused, for the one line reporting the failed handshake: .NET's own
        // exception says only that the callback refused it.
        string? refusal = null;
        var secured = new SslStream(stream, leaveInnerStreamOpen: false, tls.ClientCertificates is { } clients
            ? (_, certificate, chain, _) => (refusal = clients.Refusal(certificate, chain)) is null
            : null);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(TimeSpan.FromSeconds(limits.TlsHandshakeTimeoutSeconds));
        try
        {
            await secured.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tls.Certificate,
                ClientCertificateRequired = tls.ClientCertificates is not null,
                EnabledSslProtocols = tls.Protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                EncryptionPolicy = EncryptionPolicy.RequireEncryption,
            }, deadline.Token).ConfigureAwait(false);
            return secured;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            problems.Report(source, $"no TLS handshake within {limits.TlsHandshakeTimeoutSeconds:0.#} s");
        }
        catch (AuthenticationException e)
        {
            // The client distrusts the broker's certificate, has no acceptable certificate of its own, or speaks plain
            // MQTT to the TLS port: the client's problem, reported with the TLS library's reason.
            problems.Report(source, "TLS handshake failed: " + (refusal ?? e.GetBaseException().Message));
        }

        await secured.DisposeAsync().ConfigureAwait(false);
        return null;
    }
}
