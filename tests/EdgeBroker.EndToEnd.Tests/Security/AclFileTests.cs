using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// The host with an access-control file in mosquitto's own acl_file format (Security:AclFile, --acl-file), on top of the
/// open broker's rules: refused SUBSCRIBEs answer 0x80 (3.1.1) / 0x87 (5), refused PUBLISHes 0x87 on MQTT 5.
/// </summary>
public sealed class AclFileTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    const string AclText = """
        # clients without a user name
        topic read sensors/#
        topic deny sensors/secret
        topic write sensors/+/temp

        # every client: its own corner
        pattern readwrite devices/%c/#
        """;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Mqttnet_clients_get_what_the_acl_file_allows_and_the_refusal_codes_otherwise(MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync();
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher", protocol);
        await using var device = await TestClient.ConnectAsync(broker, "dev1", protocol);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await AccessControlTests.SubscribeAsync(watcher, "sensors/+/temp"));
        Assert.Equal(AccessControlTests.SubscribeRefusal(protocol), await AccessControlTests.SubscribeAsync(watcher, "sensors/#"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await AccessControlTests.SubscribeAsync(device, "devices/dev1/#"));
        Assert.Equal(AccessControlTests.SubscribeRefusal(protocol), await AccessControlTests.SubscribeAsync(device, "devices/dev2/#"));

        AccessControlTests.AssertPublishRefused(protocol, await device.PublishAsync("sensors/secret", "no write line"));
        AccessControlTests.AssertPublishRefused(protocol, await device.PublishAsync("devices/dev2/state", "not its corner"));
        await device.PublishAsync("sensors/kitchen/temp", "21.5");
        await device.PublishAsync("devices/dev1/state", "on");

        Assert.Equal("sensors/kitchen/temp", (await watcher.ReceiveAsync()).Topic);
        Assert.Equal("devices/dev1/state", (await device.ReceiveAsync()).Topic);
        await watcher.ExpectNothingAsync();
        await device.ExpectNothingAsync();
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task Mosquitto_clients_publish_and_subscribe_as_the_acl_file_says()
    {
        await using var broker = await StartAsync();
        var port = broker.Port.ToString();
        await using var watcher = ProcessRunner.Start(ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-i", "watcher", "-t", "sensors/+/temp", "-v", "-C", "1", "-W", "10");
        await Eventually.WaitUntilAsync(() => broker.IsConnected("watcher"), () => "mosquitto_sub did not connect", ToolTimeout);

        var refusedSubscribe = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-V", "mqttv5", "-d", "-t", "sensors/#", "-C", "1", "-W", "2");
        var refusedPublish = await PublishV5Async(broker, "dev1", "devices/dev2/state");
        var ownCorner = await PublishV5Async(broker, "dev1", "devices/dev1/state");
        await Eventually.WaitUntilAsync(
            async () =>
            {
                await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub, "-h", broker.Host, "-p", port, "-t", "sensors/kitchen/temp", "-m", "21.5");
                return watcher.Output.Length > 0;
            },
            () => "mosquitto_sub never received sensors/kitchen/temp", ToolTimeout);

        Assert.Contains("Subscribed (mid: 1): 135", refusedSubscribe.Output);
        Assert.Contains("received PUBACK (Mid: 1, RC:135)", refusedPublish.Output);
        Assert.Contains("received PUBACK (Mid: 1, RC:16)", ownCorner.Output); // accepted; no one subscribed
        Assert.Equal(0, await watcher.WaitForExitAsync(ToolTimeout));
        Assert.Equal("sensors/kitchen/temp 21.5", watcher.Output.Trim());
    }

    /// <summary>mosquitto_pub over MQTT 5 at QoS 1 with -d, so the PUBACK's reason code shows in its output.</summary>
    static Task<(int ExitCode, string Output, string Errors)> PublishV5Async(RunningBroker broker, string clientId, string topic) =>
        ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
            "-h", broker.Host, "-p", broker.Port.ToString(), "-V", "mqttv5", "-d", "-q", "1", "-i", clientId, "-t", topic, "-m", "x");

    static async Task<RunningBroker> StartAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"edgebroker-acl-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, AclText);
        try
        {
            return await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:Security:AclFile"] = file });
        }
        finally
        {
            // Read once while the broker starts.
            File.Delete(file);
        }
    }
}
