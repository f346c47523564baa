using System.Net;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The host program as users run it: a child process, its flags, its messages and exit codes. Host only.</summary>
public sealed class HostProgramTests
{
    static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(20);
    static readonly string HostDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Host.dll");

    [Fact]
    public async Task Prints_its_listener_and_what_anonymous_access_means_then_stops_cleanly_on_sigterm()
    {
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostDll, "--port", port.ToString());
        await broker.WaitForOutputAsync(ProcessTimeout, "MQTT listener on mqtt://127.0.0.1:" + port);
        Assert.Contains("Anonymous access", broker.Output);

        await ProcessRunner.RunAsync(ProcessTimeout, "kill", "-TERM", broker.ProcessId.ToString());

        Assert.Equal(0, await broker.WaitForExitAsync(ProcessTimeout));
        Assert.Contains("MQTT listener stopped", broker.Output);
    }

    [Fact]
    public async Task A_taken_port_is_a_clear_error_and_exit_code_3()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", HostDll, "--port", port.ToString());

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("already in use", run.Output + run.Errors);
    }

    [Theory]
    [InlineData("--port", "70000", "Port 70000 is not a TCP port")]
    [InlineData("--bind", "not-an-address", "Bind 'not-an-address' is not an IP address")]
    public async Task An_invalid_setting_is_named_and_exit_code_2(string flag, string value, string message)
    {
        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", HostDll, flag, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Errors);
    }

    [Fact]
    public async Task An_unknown_flag_is_refused_with_usage_help()
    {
        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", HostDll, "--prot", "1884");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--prot", run.Errors);
    }

    [Fact]
    public async Task Settings_come_from_environment_variables_too()
    {
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__Port"] = port.ToString() }, "dotnet", HostDll);

        await broker.WaitForOutputAsync(ProcessTimeout, "MQTT listener on mqtt://127.0.0.1:" + port);
    }
}
