using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Serving the LAN is a decision: beyond loopback the broker starts only with authentication configured or
/// anonymous access asked for (<c>--allow-anonymous</c>), and otherwise says how to do either and exits with code 2.
/// Whatever the case, start-up states the decision the broker then applies to anonymous clients.</summary>
public sealed class AnonymousStartupTests
{
    [Fact]
    public async Task Binding_beyond_loopback_without_authentication_is_refused_with_exit_code_2_and_says_what_to_do()
    {
        var run = await HostProcess.RunExpectingExitAsync("--bind", "0.0.0.0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no authentication is configured", run.Errors);
        Assert.Contains("--access-key-file FILE", run.Errors);
        Assert.DoesNotContain("--access-key ID:SECRET", run.Errors);
        Assert.Contains("--allow-anonymous", run.Errors);
    }

    [Fact]
    public async Task With_allow_anonymous_it_serves_the_lan_and_says_so()
    {
        await using var broker = await HostProcess.StartAsync("--bind", "0.0.0.0", "--allow-anonymous");
        await using var client = await TestClient.ConnectAsync(broker, "GID_sensors@@@anyone");

        Assert.Contains("MQTT listener on mqtt://0.0.0.0:" + broker.Port, broker.Output);
        Assert.Contains("Anonymous access: any client that can reach 0.0.0.0 may connect", broker.Output);
        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task With_an_access_key_it_serves_the_lan_and_refuses_anonymous_clients()
    {
        await using var broker = await HostProcess.StartAsync("--bind", "0.0.0.0", "--access-key", "AK:secret");

        var code = await SecureBroker.RefusedAsync(broker, "GID_sensors@@@anyone", MqttProtocolVersion.V500, userName: null, password: null);

        Assert.Contains("Anonymous access: refused", broker.Output);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
    }

    [Fact]
    public async Task Restarted_without_keys_on_data_with_a_paired_device_it_says_why_it_refuses_anonymous_clients_and_how_to_get_in()
    {
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-paired-");
        try
        {
            await using (var api = await ApiBroker.StartAsync(dataDir))
            {
                await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
            }

            await using var broker = await BrokerProcess.StartAsync(Engines.Host, FreePorts.Next(), dataDir.FullName);
            var code = await SecureBroker.RefusedAsync(broker, "GID_sensors@@@anyone", MqttProtocolVersion.V500, userName: null, password: null);
            await broker.WaitForOutputAsync("Anonymous access: refused because 1 paired device(s) are stored");

            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
            Assert.Contains("--access-key-file FILE", broker.Output);
            Assert.DoesNotContain("--access-key ID:SECRET", broker.Output);
            Assert.Contains("--allow-anonymous", broker.Output);
            Assert.DoesNotContain("may connect and publish or subscribe anywhere", broker.Output);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
