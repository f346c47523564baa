using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Connection settings shared by every load client, for both brokers: MQTT 3.1.1 (what the gateway's local sensors
/// speak), clean sessions unless a durable case asks for persistent ones, a keep-alive long enough that no PINGREQ
/// traffic lands inside a measurement, and socket buffers of <see cref="SocketBufferBytes"/>.
/// </summary>
public static class LoadClientOptions
{
    /// <summary>
    /// The load clients' socket send and receive buffers: Linux's own starting size for a TCP receive buffer (the middle
    /// value of <c>net.ipv4.tcp_rmem</c>), what mosquitto_sub, paho and most clients run with. MQTTnet sets both to its
    /// <see cref="MqttClientTcpOptions.BufferSize"/>, 8 KB unless told otherwise, which fixes the receiver's TCP window
    /// at a few KB: once a receiver falls behind a burst, the broker can send it a few KB per zero-window probe (~200 ms
    /// on loopback), whatever the broker. Measured on the same build and machine (2026-12-05, 8 pairs, QoS 0, 64-byte
    /// payloads): with 8 KB, mosquitto 20,462 msg/s and the EdgeBroker host 1,641 msg/s (`ss`: rwnd-limited 99 % of
    /// the time, a window of 5,376 bytes); with 64 KB, 132,229 and 143,471. The harness measures brokers, not that
    /// window.
    /// </summary>
    public const int SocketBufferBytes = 128 * 1024;

    /// <param name="cleanSession">False for a persistent session: the broker keeps the client's subscriptions and
    /// stores QoS 1 messages for it until it acknowledges them, also while it is away.</param>
    public static MqttClientOptions For(int port, string clientId, bool cleanSession = true)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(cleanSession)
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = SocketBufferBytes;
        return options;
    }

    /// <summary>Connects a new client with a clean session.</summary>
    public static Task<IMqttClient> ConnectAsync(int port, string clientId, CancellationToken cancellationToken) =>
        ConnectAsync(For(port, clientId), cancellationToken);

    /// <summary>Connects a new client, turning MQTTnet's failure into one that names the client.</summary>
    public static async Task<IMqttClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await ConnectAsync(client, options, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects (or reconnects) <paramref name="client"/>; throws naming the client when refused.</summary>
    public static async Task<MqttClientConnectResult> ConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"{options.ClientId} was refused: {result.ResultCode} {result.ReasonString}");
        }

        return result;
    }

    /// <summary>Disconnects politely if still connected, then disposes; never throws (used on cleanup paths).</summary>
    public static async Task CloseAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The broker may already be gone; disposing is all that is left to do.
        }
        finally
        {
            client.Dispose();
        }
    }
}
