using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>A paired device's credentials, as the pairing message carried them.</summary>
public sealed record DeviceCredentials(string ClientId, string UserName, string Password);

/// <summary>MQTT clients that sign in: Token mode, paired devices, and the pairing itself — with MQTTnet, over real
/// sockets, against a broker whose administration is done over its HTTP API.</summary>
public static class SecureClients
{
    public static string TokenUserName(string accessKey) => $"Token|{accessKey}|{SignedApiClient.DefaultInstanceId}";

    public static Task<TestClient> ConnectAsync(RunningBroker broker, string clientId, string userName, string password,
        MqttProtocolVersion protocol = MqttProtocolVersion.V500) =>
        TestClient.ConnectAsync(broker, clientId, protocol, configure: options => options.WithCredentials(userName, password));

    /// <summary>Opens the group's pairing window over HTTP and pairs <paramref name="deviceId"/> the way the core's
    /// README describes it: CONNECT as Pair|group, take the credentials from the one message the broker sends.</summary>
    public static async Task<DeviceCredentials> PairAsync(ApiBroker api, string group, string deviceId)
    {
        (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group(group))).AssertOk();
        var clientId = group + "@@@" + deviceId;
        await using var pairing = await ConnectAsync(api.Broker, clientId, "Pair|" + group, "", MqttProtocolVersion.V311);
        var message = await pairing.ReceiveAsync();
        Assert.Equal($"{group}/p2p/{clientId}", message.Topic);
        using var credentials = JsonDocument.Parse(message.ConvertPayloadToString());
        return new DeviceCredentials(clientId, credentials.RootElement.GetProperty("username").GetString()!,
            credentials.RootElement.GetProperty("password").GetString()!);
    }

    public static Task<TestClient> ConnectAsync(RunningBroker broker, DeviceCredentials device,
        MqttProtocolVersion protocol = MqttProtocolVersion.V500) =>
        ConnectAsync(broker, device.ClientId, device.UserName, device.Password, protocol);

    /// <summary>The CONNACK code of a paired device's CONNECT that must be refused.</summary>
    public static Task<MqttClientConnectResultCode> RefusedAsync(RunningBroker broker, DeviceCredentials device,
        MqttProtocolVersion protocol = MqttProtocolVersion.V500) =>
        SecureBroker.RefusedAsync(broker, device.ClientId, protocol, device.UserName, device.Password);

    /// <summary>A client whose credentials were lost while its CONNECT was under way is either refused or, once
    /// connected, closed within a few seconds: it is never left connected.</summary>
    public static async Task AssertNotLeftConnectedAsync(RunningBroker broker, Task<TestClient> connecting, string clientId)
    {
        TestClient? connected = null;
        try
        {
            connected = await connecting;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Closed right after the CONNACK, before the client had settled in.
        }

        if (connected is not null)
        {
            await using (connected)
            {
                if (connected.ConnectResult.ResultCode != MqttClientConnectResultCode.Success)
                {
                    Assert.Equal(MqttClientConnectResultCode.NotAuthorized, connected.ConnectResult.ResultCode);
                }

                await Eventually.WaitUntilAsync(() => !connected.Client.IsConnected, () => $"{clientId} is still connected", TimeSpan.FromSeconds(5));
            }
        }

        // The client sees its socket close before the broker's reader has told the core the connection ended.
        await Eventually.WaitUntilAsync(() => !broker.IsConnected(clientId), () => $"the broker still serves {clientId}", TimeSpan.FromSeconds(5));
    }

    /// <summary>Waits until the broker has closed the client's connection.</summary>
    public static Task WaitUntilDisconnectedAsync(TestClient client) =>
        Eventually.WaitUntilAsync(() => !client.Client.IsConnected, () => $"{client.Client.Options.ClientId} is still connected");
}
