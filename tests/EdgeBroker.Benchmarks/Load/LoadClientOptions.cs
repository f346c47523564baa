using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Connection settings shared by every load client, for both brokers: MQTT 3.1.1 (what the gateway's local sensors
/// speak), clean sessions (nothing left behind between cases) and a keep-alive long enough that no PINGREQ traffic
/// lands inside a measurement.
/// </summary>
public static class LoadClientOptions
{
    public static MqttClientOptions For(int port, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();

    /// <summary>Connects, turning MQTTnet's failure into one that names the client.</summary>
    public static async Task<IMqttClient> ConnectAsync(int port, string clientId, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(For(port, clientId), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"{clientId} was refused: {result.ResultCode} {result.ReasonString}");
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
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
