namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A broker program as an operator runs it: a child process, stopped with SIGTERM as systemd and Ctrl+C stop it, for
/// tests that read its log or its exit code, or what a stop, a restart or a packaging leaves behind in its data
/// directory. <see cref="HostProcess"/> starts the host this way with an in-memory store.
/// </summary>
public sealed class BrokerProcess : RunningBroker
{
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly ProcessRunner _process;

    BrokerProcess(ProcessRunner process, int port)
    {
        _process = process;
        Port = port;
    }

    public override int Port { get; }

    public int ProcessId => _process.ProcessId;

    /// <summary>Everything the broker has written to standard output (its log) so far.</summary>
    public string Output => _process.Output;

    /// <summary>Starts <paramref name="engine"/>'s program (<c>dotnet EdgeBroker.Host.dll</c> or
    /// <c>dotnet EdgeBroker.Emulator.dll</c>) on <paramref name="port"/> with its store in <paramref name="dataDirectory"/>
    /// (the host's HTTP API on a free port) and waits until it listens.</summary>
    public static Task<BrokerProcess> StartAsync(string engine, int port, string dataDirectory) => engine switch
    {
        Engines.Host => StartAsync(ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--data-dir", dataDirectory), port),
        Engines.Emulator => StartAsync(ProcessRunner.Start("dotnet", EmulatorDll, "--port", port.ToString(), "--data-dir", dataDirectory), port),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>Waits until <paramref name="process"/>, a broker started on <paramref name="port"/>, listens.</summary>
    public static async Task<BrokerProcess> StartAsync(ProcessRunner process, int port)
    {
        try
        {
            await process.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new BrokerProcess(process, port);
    }

    /// <summary>Waits until <paramref name="text"/> appears in the log.</summary>
    public Task WaitForOutputAsync(string text) => _process.WaitForOutputAsync(HostProgram.Timeout, text);

    /// <summary>Sends SIGTERM and returns the exit code once the program has stopped.</summary>
    public async Task<int> StopAsync()
    {
        await ProcessRunner.RunAsync(HostProgram.Timeout, "kill", "-TERM", _process.ProcessId.ToString());
        return await _process.WaitForExitAsync(HostProgram.Timeout);
    }

    /// <summary>A child process cannot be asked; wait for its log line instead (<see cref="WaitForOutputAsync"/>).</summary>
    public override bool IsConnected(string clientId) => throw new NotSupportedException("wait for the broker's log line instead");

    public override ValueTask DisposeAsync() => _process.DisposeAsync();
}
