namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The host program as users run it — a child process started with command-line flags — for tests that read what it
/// prints (its log) or how it exits. In-memory store, a free MQTT port, any free HTTP port.
/// </summary>
public static class HostProcess
{
    /// <summary>Starts the broker with <paramref name="flags"/> and waits until its MQTT listener is up.</summary>
    public static Task<BrokerProcess> StartAsync(params string[] flags)
    {
        var port = FreePorts.Next();
        var process = ProcessRunner.Start("dotnet", [HostProgram.Dll, "--port", port.ToString(), "--http-port", "0", "--in-memory", .. flags]);
        return BrokerProcess.StartAsync(process, port);
    }

    /// <summary>Runs the broker with <paramref name="flags"/> expecting it to refuse to start: (exit code, stdout, stderr).</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunExpectingExitAsync(params string[] flags) =>
        ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, "--port", FreePorts.Next().ToString(), "--http-port", "0", "--in-memory", .. flags]);
}
