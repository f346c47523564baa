using System.Diagnostics;
using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Repeated failed logins from one address are answered later and later, then refused for a while — even
/// with the right credentials — while other addresses are served as usual.</summary>
public sealed class LoginThrottleTests
{
    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Failures_slow_the_address_down_then_lock_it_out(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, ShortThrottle);
        var wrong = SignaturePassword("guess", Device);
        await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), wrong);
        await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), wrong);

        var answered = Stopwatch.StartNew();
        var slowed = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), wrong);
        answered.Stop();
        await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), wrong);
        var lockedOut = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), SignaturePassword(SensorsSecret, Device));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, slowed);
        Assert.True(answered.ElapsedMilliseconds >= ShortThrottleDelayMilliseconds / 2,
            $"the third failure was answered after {answered.ElapsedMilliseconds} ms; the configured delay is {ShortThrottleDelayMilliseconds} ms");

        // MQTT 5 has "connection rate exceeded" (0x9F); 3.1.1 says "not authorized" (0x05).
        Assert.Equal(protocol == MqttProtocolVersion.V500 ? MqttClientConnectResultCode.ConnectionRateExceeded : MqttClientConnectResultCode.NotAuthorized,
            lockedOut);
    }

    [Theory]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task A_locked_out_address_gets_0x05_on_the_wire_and_other_addresses_still_connect(string engine)
    {
        await using var broker = await StartAsync(engine, ShortThrottle);
        var wrong = SignaturePassword("guess", Device);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            Assert.Equal(0x04, await RawConnectAsync(broker, IPAddress.Loopback, wrong));
        }

        var right = SignaturePassword(SensorsSecret, Device);
        Assert.Equal(0x05, await RawConnectAsync(broker, IPAddress.Loopback, right));

        // 127.0.0.2 is loopback too, and another machine as far as the broker can tell.
        Assert.Equal(0x00, await RawConnectAsync(broker, IPAddress.Parse("127.0.0.2"), right));
    }

    static async Task<int> RawConnectAsync(RunningBroker broker, IPAddress from, string password)
    {
        await using var connection = await RawMqttConnection.OpenAsync(broker, from);
        return await connection.ConnectAsync(Device, userName: SignatureUserName(SensorsKey), password: password);
    }
}
