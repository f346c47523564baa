using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Signature mode with the clients the README names: mosquitto_pub with a password computed by openssl (the
/// README's example, as written) and paho-mqtt.</summary>
public sealed class SignatureClientTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    [ToolTheory(Tool.MosquittoClients | Tool.CurlAndOpenssl)]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task Mosquitto_pub_with_an_openssl_signature_is_accepted_and_with_a_wrong_secret_refused(string engine)
    {
        await using var broker = await StartAsync(engine);
        await using var backend = await ConnectAsync(broker, Backend);
        await backend.SubscribeAsync("sensors/#");

        var accepted = await RunScriptAsync(broker, SensorsSecret);
        var refused = await RunScriptAsync(broker, "not-the-secret");

        Assert.True(accepted.ExitCode == 0, $"mosquitto_pub failed: {accepted.Output} {accepted.Errors}");
        Assert.Equal("21.5", (await backend.ReceiveAsync()).ConvertPayloadToString());
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("bad user name or password", refused.Errors, StringComparison.OrdinalIgnoreCase);
        await backend.ExpectNothingAsync();
    }

    [ToolTheory(Tool.PahoMqtt)]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task Paho_with_a_signature_is_accepted_and_with_a_wrong_secret_refused_with_return_code_4(string engine)
    {
        await using var broker = await StartAsync(engine);
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "signature_paho.py");

        var accepted = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.SystemPython,
            script, broker.Host, broker.Port.ToString(), Device, SensorsKey, SensorsSecret, InstanceId);
        var refused = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.SystemPython,
            script, broker.Host, broker.Port.ToString(), Device, SensorsKey, "not-the-secret", InstanceId);

        Assert.True(accepted.ExitCode == 0, $"paho script failed: {accepted.Output} {accepted.Errors}");
        Assert.Equal("connected", accepted.Output.Trim());
        Assert.Equal("refused: 4", refused.Output.Trim());
    }

    static async Task<(int ExitCode, string Output, string Errors)> RunScriptAsync(RunningBroker broker, string secret)
    {
        await using var script = ProcessRunner.Start(
            new Dictionary<string, string>
            {
                ["ACCESS_KEY_ID"] = SensorsKey,
                ["SECRET_KEY"] = secret,
                ["INSTANCE_ID"] = InstanceId,
                ["CLIENT_ID"] = Device,
            },
            "sh", Path.Combine(AppContext.BaseDirectory, "Clients", "signature_mosquitto.sh"), broker.Host, broker.Port.ToString());
        var exitCode = await script.WaitForExitAsync(ToolTimeout);
        return (exitCode, script.Output, script.Errors);
    }
}
