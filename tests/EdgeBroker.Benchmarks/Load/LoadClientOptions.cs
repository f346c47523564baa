using System.Net;
using MQTTnet;
using MQTTnet.Channel;
using MQTTnet.Formatter;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Connection settings shared by the harness's MQTTnet clients, for every broker — the stored-backlog receiver, the
/// crash cases' publishers, idle subscribers and the other scenarios' clients; the load cases' publishers and receivers
/// are the lean <see cref="LoadConnection"/>: MQTT 3.1.1 (what the gateway's local sensors
/// speak), clean sessions unless a durable case asks for persistent ones, a keep-alive long enough that no PINGREQ
/// traffic lands inside a measurement, each packet written whole (MQTTnet writes a PUBLISH's header and payload with
/// two <c>send</c>s otherwise), and the connection opened by the harness (<see cref="LoadSocketStream"/>: buffered
/// reads, socket buffers sized by the kernel).
/// </summary>
public static class LoadClientOptions
{
    /// <summary>Opens a load client's connections (<see cref="LoadSocketStream"/>), noting each one's socket under the
    /// client's ID (<see cref="ClientSockets"/>).</summary>
    sealed class StreamProvider(string clientId) : IMqttClientStreamProvider
    {
        public Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken) =>
            LoadSocketStream.ConnectAsync(brokerEndPoint, clientId, cancellationToken);
    }

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
            .WithoutPacketFragmentation()
            .Build();
        ((MqttClientTcpOptions)options.ChannelOptions).StreamProvider = new StreamProvider(clientId);
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
