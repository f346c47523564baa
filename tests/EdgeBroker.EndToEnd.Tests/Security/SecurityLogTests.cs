using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>What the broker's log says about refusals and denials — client ID, address and reason — and what it never
/// says: a password, a secret or a token. The host program runs as a child process so its output can be read.</summary>
public sealed class SecurityLogTests : IAsyncLifetime
{
    readonly string _config = Path.Combine(Path.GetTempPath(), $"edgebroker-security-{Guid.NewGuid():N}.json");
    BrokerProcess? _broker;

    BrokerProcess Broker => _broker!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_config, Config);
        _broker = await HostProcess.StartAsync("--config", _config);
    }

    [Fact]
    public async Task A_refused_connect_is_logged_with_client_id_address_and_reason_but_never_the_password()
    {
        var wrongPassword = SignaturePassword("a-guess-that-must-stay-secret", Device);

        await RefusedAsync(Broker, Device, MqttProtocolVersion.V311, SignatureUserName(SensorsKey), wrongPassword);

        await Broker.WaitForOutputAsync($"Refused CONNECT of {Device} from 127.0.0.1 (MQTT 3.1.1): signature of access key {SensorsKey} does not match");
        Assert.DoesNotContain(wrongPassword, Broker.Output);
    }

    [Fact]
    public async Task A_refused_token_connect_is_logged_without_the_token()
    {
        const string tokenList = "RW|token-value-that-must-stay-secret";

        await RefusedAsync(Broker, Backend, MqttProtocolVersion.V500, $"Token|{AppKey}|{InstanceId}", tokenList);

        await Broker.WaitForOutputAsync($"Refused CONNECT of {Backend} from 127.0.0.1 (MQTT 5.0): unknown token");
        Assert.DoesNotContain("must-stay-secret", Broker.Output);
    }

    [Fact]
    public async Task Refusals_of_one_kind_from_one_address_are_logged_once_a_minute_and_a_lockout_always()
    {
        var wrongPassword = SignaturePassword("guess", Device);
        for (var attempt = 0; attempt < 12; attempt++)
        {
            await RefusedAsync(Broker, Device, MqttProtocolVersion.V311, SignatureUserName(SensorsKey), wrongPassword);
        }

        // The default throttle: answers slowed from the third failure, the address locked out at the tenth.
        await Broker.WaitForOutputAsync("address locked out for");
        var lines = Broker.Output.Split('\n').Count(line => line.Contains("Refused CONNECT of " + Device));
        Assert.Equal(4, lines);
        Assert.Contains("further refusals of this kind from this address within a minute are counted, not logged", Broker.Output);
    }

    [Fact]
    public async Task An_accepted_connect_and_a_denied_publish_and_subscribe_are_logged_without_the_secret()
    {
        await using (var device = await ConnectAsync(Broker, Device))
        {
            await device.PublishAsync("alerts/fire", "not mine to send");
            await device.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("sensors/#").Build());
        }

        await Broker.WaitForOutputAsync($"Client {Device} connected from 127.0.0.1:");
        await Broker.WaitForOutputAsync($"Refused PUBLISH from {Device} to alerts/fire: not allowed by the client's access rule");
        await Broker.WaitForOutputAsync($"Refused SUBSCRIBE from {Device} to sensors/#: not allowed by the client's access rule");
        Assert.Contains($"Signature: access key {SensorsKey}", Broker.Output);
        Assert.DoesNotContain(SensorsSecret, Broker.Output);
        Assert.DoesNotContain(SignaturePassword(SensorsSecret, Device), Broker.Output);
    }

    [Fact]
    public async Task Answers_slowed_by_repeated_failures_are_logged_as_such()
    {
        var wrongPassword = SignaturePassword("guess", Device);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await RefusedAsync(Broker, Device, MqttProtocolVersion.V311, SignatureUserName(SensorsKey), wrongPassword);
        }

        // The configuration keeps the default throttle: from the third failure on, answers wait a second.
        await Broker.WaitForOutputAsync("does not match; answered after 1000 ms (repeated failures from this address)");
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        File.Delete(_config);
    }
}
