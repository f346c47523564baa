using System.Net;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>
/// Ctrl+C or SIGTERM in the first moments of the host's run — as soon as its MQTT port accepts, while the rest of the
/// start (the HTTP API, the start-up lines) is still under way — stops it as cleanly as later: exit code 0, nothing on
/// standard error, the MQTT listener stopped. systemd's <c>Restart=on-failure</c> counts any other code as a failure.
/// The moment a signal lands varies from run to run, so each signal is sent to several starts.
/// </summary>
public sealed class StopDuringStartTests
{
    const int Starts = 4;

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_as_soon_as_the_port_accepts_stops_cleanly_with_exit_code_0(string signal)
    {
        for (var start = 1; start <= Starts; start++)
        {
            var port = FreePorts.Next();

            // env restores SIGINT's default: a test run started in the background (`dotnet test &`) ignores SIGINT, and
            // a program started ignoring it, the broker included, never sees Ctrl+C.
            await using var broker = ProcessRunner.Start("env", "--default-signal=INT", "dotnet", HostProgram.Dll,
                "--port", port.ToString(), "--http-port", "0", "--in-memory");
            await WaitUntilAcceptingAsync(port);

            await ProcessRunner.RunAsync(HostProgram.Timeout, "kill", "-" + signal, broker.ProcessId.ToString());

            var exitCode = await broker.WaitForExitAsync(HostProgram.Timeout);
            var outcome = $"start {start}: SIG{signal} gave exit code {exitCode}; output: {broker.Output} errors: {broker.Errors}";
            Assert.True(exitCode == 0, outcome);
            Assert.True(broker.Errors.Length == 0, outcome);
            Assert.True(broker.Output.Contains("MQTT listener stopped"), outcome);
        }
    }

    /// <summary>Returns as soon as a connection to <paramref name="port"/> is accepted: the moment the broker's first
    /// listener is up, before its log says so.</summary>
    static Task WaitUntilAcceptingAsync(int port) => Eventually.WaitUntilAsync(() =>
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }, () => $"nothing accepted on port {port}", HostProgram.Timeout);
}
