using System.Runtime.Versioning;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>The README's pairing walkthrough with its paho-mqtt device script (Clients/pair_device_paho.py): it pairs,
/// stores its credentials, reconnects with them and sends itself a P2P message. Host only.</summary>
public sealed class PairingScriptTests : IDisposable
{
    static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "pair_device_paho.py");

    readonly DirectoryInfo _deviceStorage = Directory.CreateTempSubdirectory("edgebroker-device-");

    string CredentialsFile => Path.Combine(_deviceStorage.FullName, "credentials.json");

    [ToolFact(Tool.PahoMqtt)]
    [UnsupportedOSPlatform("windows")] // file modes; the script runs with /usr/bin/python3 anyway
    public async Task The_script_pairs_in_a_window_opened_over_http_and_signs_in_with_the_stored_credentials()
    {
        await using var api = await ApiBroker.StartAsync();
        (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"))).AssertOk();

        var run = await RunScriptAsync(api.Broker);

        Assert.True(run.ExitCode == 0, $"pairing script failed: {run.Output} {run.Errors}");
        Assert.Contains("pairing: credentials received for user name Device|GID_sensors@@@DEVICE_001", run.Output);
        Assert.Contains("sign-in: received its own P2P message on GID_sensors/p2p/GID_sensors@@@DEVICE_001", run.Output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CredentialsFile));
        var device = Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray());
        Assert.Equal("GID_sensors@@@DEVICE_001", device.GetProperty("clientId").GetString());
    }

    [ToolFact(Tool.PahoMqtt)]
    public async Task The_readme_flow_opens_the_window_with_the_command_line_and_the_script_pairs()
    {
        await using var api = await ApiBroker.StartAsync();
        var open = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "pairing", "open", "--group", "GID_sensors",
            "--url", api.Broker.HttpBaseAddress!.ToString(), "--access-key", ApiBroker.SensorsKey + ":" + ApiBroker.SensorsSecret);
        Assert.True(open.ExitCode == 0, $"pairing open failed: {open.Output} {open.Errors}");

        var run = await RunScriptAsync(api.Broker);

        Assert.True(run.ExitCode == 0, $"pairing script failed: {run.Output} {run.Errors}");
        Assert.Contains("done: GID_sensors@@@DEVICE_001 is paired and signs in", run.Output);
    }

    [ToolFact(Tool.PahoMqtt)]
    public async Task After_a_restart_on_the_same_data_the_script_signs_in_with_its_stored_credentials_without_a_window()
    {
        var dataDir = _deviceStorage.CreateSubdirectory("broker-data");
        await using (var api = await ApiBroker.StartAsync(dataDir))
        {
            (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"))).AssertOk();
            var paired = await RunScriptAsync(api.Broker);
            Assert.True(paired.ExitCode == 0, $"pairing script failed: {paired.Output} {paired.Errors}");
        }

        await using var restarted = await ApiBroker.StartAsync(dataDir);
        var run = await RunScriptAsync(restarted.Broker);

        Assert.True(run.ExitCode == 0, $"sign-in after the restart failed: {run.Output} {run.Errors}");
        Assert.Contains("pairing: skipped, credentials already stored", run.Output);
        Assert.Contains("done: GID_sensors@@@DEVICE_001 is paired and signs in", run.Output);
    }

    [ToolFact(Tool.PahoMqtt)]
    public async Task Outside_a_window_the_script_is_refused_with_connack_5_and_stores_nothing()
    {
        await using var api = await ApiBroker.StartAsync();

        var run = await RunScriptAsync(api.Broker);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refused, CONNACK return code 5", run.Output);
        Assert.False(File.Exists(CredentialsFile));
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray());
    }

    /// <summary>Runs the script for device GID_sensors@@@DEVICE_001 with this test's credentials file.</summary>
    Task<(int ExitCode, string Output, string Errors)> RunScriptAsync(RunningBroker broker) =>
        ProcessRunner.RunAsync(TimeSpan.FromSeconds(30), ExternalTools.SystemPython, Script,
            broker.Host, broker.Port.ToString(), "GID_sensors", "DEVICE_001", CredentialsFile);

    public void Dispose() => _deviceStorage.Delete(recursive: true);
}
