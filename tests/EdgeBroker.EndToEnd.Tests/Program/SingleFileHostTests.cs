using System.Runtime.InteropServices;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>
/// The published single-file host (<see cref="PublishedHost"/>) runs where no .NET is installed: started with an empty
/// environment (no DOTNET_ROOT) and no <c>dotnet</c> on its PATH, it prints its version, accepts a real MQTT client,
/// keeps a message in SQLite, serves its HTTP API, and never maps a file of the machine's .NET installation. The
/// paths it takes are the ones trimming could break (configuration binding, MQTTnet's internals, Kestrel, JSON).
/// </summary>
public sealed class SingleFileHostTests : IDisposable
{
    readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("edgebroker-single-file-");

    [Fact]
    public async Task Runs_without_dotnet_installed_prints_its_version_and_serves_mqtt_and_http()
    {
        var executable = await PublishedHost.ExecutableAsync();
        var published = Directory.GetFiles(Path.GetDirectoryName(executable)!).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["EdgeBroker.Host", "appsettings.json"], published);

        var version = await ProcessRunner.RunAsync(HostProgram.Timeout, "env", [.. PublishedHost.WithoutDotnet(_home.FullName), executable, "--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Equal(EdgeBroker.Core.BrokerVersion.Number, version.Output.Trim());

        var port = FreePorts.Next();
        var httpPort = FreePorts.Next();
        var dataDirectory = Path.Combine(_home.FullName, "data");
        await using var broker = await BrokerProcess.StartAsync(ProcessRunner.Start("env",
            [.. PublishedHost.WithoutDotnet(_home.FullName), executable, "--port", port.ToString(), "--http-port", httpPort.ToString(),
                "--data-dir", dataDirectory]), port);

        await using (var device = await TestClient.ConnectAsync(broker, "GID_sensors@@@single-file", MqttProtocolVersion.V500))
        {
            Assert.Equal(MqttClientConnectResultCode.Success, device.ConnectResult.ResultCode);
            await device.SubscribeAsync("check/#");
            await device.PublishAsync("check/retained", "kept", retain: true);
            Assert.Equal("kept", (await device.ReceiveAsync()).ConvertPayloadToString());
        }

        using var http = new HttpClient();
        Assert.Contains("edgebroker_", await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics"));

        var installation = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        Assert.DoesNotContain(installation, await File.ReadAllTextAsync($"/proc/{broker.ProcessId}/maps"));
        Assert.Equal(0, await broker.StopAsync());
        Assert.True(File.Exists(Path.Combine(dataDirectory, "edgebroker.db")), "the SQLite store was not created");
    }

    public void Dispose() => _home.Delete(recursive: true);
}
