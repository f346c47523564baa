namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The host program as users run it — a child process started with command-line flags — for tests that read what it
/// prints (its log) or how it exits. In-memory store, a free MQTT port, any free HTTP port.
/// </summary>
public sealed class HostProcess : RunningBroker
{
    readonly ProcessRunner _process;

    HostProcess(ProcessRunner process, int port)
    {
        _process = process;
        Port = port;
    }

    public override int Port { get; }

    public int ProcessId => _process.ProcessId;

    /// <summary>Everything the broker has written to standard output (its log) so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the broker with <paramref name="flags"/> and waits until its MQTT listener is up.</summary>
    public static async Task<HostProcess> StartAsync(params string[] flags)
    {
        var port = FreePorts.Next();
        var process = ProcessRunner.Start("dotnet", [HostProgram.Dll, "--port", port.ToString(), "--http-port", "0", "--in-memory", .. flags]);
        await process.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");
        return new HostProcess(process, port);
    }

    /// <summary>Runs the broker with <paramref name="flags"/> expecting it to refuse to start: (exit code, stdout, stderr).</summary>
    public static Task<(int ExitCode, string Output, string Errors)> RunExpectingExitAsync(params string[] flags) =>
        ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, "--port", FreePorts.Next().ToString(), "--http-port", "0", "--in-memory", .. flags]);

    /// <summary>Waits until <paramref name="text"/> appears in the log.</summary>
    public Task WaitForOutputAsync(string text) => _process.WaitForOutputAsync(HostProgram.Timeout, text);

    /// <summary>A child process cannot be asked; wait for its log line instead (<see cref="WaitForOutputAsync"/>).</summary>
    public override bool IsConnected(string clientId) => throw new NotSupportedException("wait for the host's log line instead");

    public override ValueTask DisposeAsync() => _process.DisposeAsync();
}
