using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>An uplink address written with credentials in it (<c>mqtt://user:password@host:port</c>, as mosquitto and
/// EMQX users write them) is a configuration mistake, exit code 2, before anything starts or connects — not a host name
/// that would show the password in the log, <c>$SYS/uplink/…/state</c> and <c>GET /uplinks</c>. The host's refusal says
/// where the credentials go and never repeats the address.</summary>
public sealed class UplinkAddressCredentialsTests : IDisposable
{
    const string Password = "UplinkPw9876";
    const string Address = "mqtt://site7:" + Password + "@127.0.0.1:1";
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-uplink-address-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("start", "flag")]
    [InlineData("config check", "flag")]
    [InlineData("start", "settings file")]
    [InlineData("config check", "settings file")]
    public async Task The_host_refuses_it_with_where_the_credentials_go_and_without_the_password(string command, string source)
    {
        string[] uplink = source == "flag"
            ? ["--uplink", Address, "--uplink-forward", "site/#"]
            : ["--config", Write("settings.json", $$"""
                { "EdgeBroker": { "Uplinks": [ { "Addresses": [ "{{Address}}" ], "Forward": [ { "Filter": "site/#" } ] } ] } }
                """)];

        var run = command == "start"
            ? await HostProcess.RunExpectingExitAsync(uplink)
            : await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, "config", "check", .. uplink]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("edgebroker: invalid setting: uplink 'cloud': an upstream address has a user name or password in it", run.Errors);
        Assert.Contains("AuthMode UserPassword with UserName and Password", run.Errors);
        Assert.DoesNotContain(Password, run.Output + run.Errors);
        Assert.DoesNotContain("listener on", run.Output);
    }

    [Theory]
    [InlineData("start")]
    [InlineData("config check")]
    public async Task The_emulator_refuses_it_before_anything_starts(string command)
    {
        File.WriteAllText(Path.Combine(_directory, "edgebroker.conf"), $"uplink = {Address}\nuplink_client_id = gw\nuplink_forward = site/#\n");

        var run = command == "start"
            ? await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "--data-dir", _directory, "--port", "0")
            : await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("edgebroker-emulator: invalid setting:", run.Errors);
        Assert.DoesNotContain("listener on", run.Output);
    }

    string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
