using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>
/// Configuration that cannot silently go wrong, as a new user meets it: a misspelt or unknown key in any source stops
/// the program with the key, where it was written and the nearest known key (exit code 2); <c>config check</c> says so
/// without starting, or prints the effective settings with secrets masked. Both programs, run as child processes.
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-config-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_host_refuses_an_unknown_key_in_its_config_file_naming_file_line_and_nearest_key()
    {
        var config = Write("settings.json", """
            {
              "EdgeBroker": {
                "Port": 0,
                "HttpPort": 0,
                "Security": { "AllowAnonymus": true }
              }
            }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--config", config, "--in-memory");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:5: unknown setting 'EdgeBroker:Security:AllowAnonymus' (did you mean AllowAnonymous?)", run.Errors);
    }

    [Fact]
    public async Task The_host_refuses_an_unknown_environment_variable_naming_it()
    {
        await using var broker = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__HttpPortt"] = "9000" },
            "dotnet", HostProgram.Dll, "--port", "0", "--http-port", "0", "--in-memory");

        Assert.Equal(2, await broker.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains("environment variable EdgeBroker__HttpPortt: unknown setting 'EdgeBroker:HttpPortt' (did you mean HttpPort?)", broker.Errors);
    }

    [Fact]
    public async Task Host_config_check_prints_the_effective_settings_with_secrets_masked()
    {
        var config = Write("settings.json", """{ "EdgeBroker": { "SysIntervalSeconds": 5, "AccessKeys": [ { "Id": "ops", "Secret": "s3cret-value" } ] } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("s3cret-value", run.Output);
        using var effective = JsonDocument.Parse(run.Output);
        var settings = effective.RootElement.GetProperty("EdgeBroker");
        Assert.Equal(5, settings.GetProperty("SysIntervalSeconds").GetInt32());
        Assert.Equal("********", settings.GetProperty("AccessKeys")[0].GetProperty("Secret").GetString());
        Assert.Equal("ops", settings.GetProperty("AccessKeys")[0].GetProperty("Id").GetString());
    }

    [Fact]
    public async Task Host_config_check_reports_a_problem_without_starting()
    {
        var config = Write("settings.json", """{ "EdgeBrokr": { "Port": 1884 } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:1: unknown setting 'EdgeBrokr' (did you mean EdgeBroker?)", run.Errors);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task The_emulator_refuses_a_misspelt_key_in_edgebroker_conf_naming_file_line_and_nearest_key()
    {
        var conf = Write("edgebroker.conf", "# gateway\nmax_clientz = 5\nuplinkk = mqtt://cloud:1883\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "--port", "0", "--data-dir", _directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{conf}: line 2: unknown key 'max_clientz' (did you mean max_clients?)", run.Errors);
        Assert.Contains($"{conf}: line 3: unknown key 'uplinkk'", run.Errors);
        Assert.Empty(Directory.GetDirectories(_directory));
    }

    [Fact]
    public async Task Emulator_config_check_prints_the_effective_settings_with_secrets_masked()
    {
        Write("edgebroker.conf", "max_clients = 4\naccess_key.ops = s3cret-value\nwifi_ssid = home\nwifi_password = w1fi-value\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("relay.MaxClients = 4", run.Output);
        Assert.Contains("device.WifiSsid = home", run.Output);
        Assert.Contains("device.WifiPassword = ********", run.Output);
        Assert.Contains("Id = ops", run.Output);
        Assert.DoesNotContain("s3cret-value", run.Output);
        Assert.DoesNotContain("w1fi-value", run.Output);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("emulator")]
    public async Task Version_prints_the_cores_release_number(string program)
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", program == "host" ? HostProgram.Dll : EmulatorDll, "--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(BrokerVersion.Number, run.Output.Trim());
    }

    string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
