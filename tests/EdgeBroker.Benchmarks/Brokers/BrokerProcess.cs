using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// One broker running as a child process on a free loopback port: started, waited for until it accepts TCP, its
/// output drained (a full pipe would stall the broker) and scanned for problems, and killed on dispose.
/// Each broker runs in a scratch working directory deleted afterwards, so state it writes there (EdgeBroker's SQLite
/// store in ./data, mosquitto's persistence file, their configuration files) starts empty in every case and never
/// lands in the repository or the build output.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    const int OutputTailLines = 40;
    const int KeptProblemLines = 20;
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(2);

    readonly Process _process;
    readonly IBrokerLauncher _launcher;
    readonly BrokerProfile _profile;
    readonly DirectoryInfo _workingDirectory;
    readonly Queue<string> _outputTail = new();
    readonly List<string> _problemLines = [];

    /// <summary>"127.0.0.1:PORT" of the readiness probes: the broker may log their connect-and-close (no CONNECT
    /// packet) as a warning, which is the harness's doing, not a broker problem.</summary>
    readonly List<string> _probeEndPoints = [];
    readonly Lock _outputLock = new();

    /// <summary>Made just before the process is started.</summary>
    readonly long _launched = Stopwatch.GetTimestamp();
    int _problemCount;

    BrokerProcess(Process process, IBrokerLauncher launcher, BrokerProfile profile, int port, DirectoryInfo workingDirectory)
    {
        _process = process;
        _launcher = launcher;
        _profile = profile;
        _workingDirectory = workingDirectory;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>From starting the process to its first accepted TCP connection: the start-up time a user waits for.</summary>
    public TimeSpan StartedIn { get; private set; }

    /// <summary>How long ago the process was started.</summary>
    public TimeSpan Age => Stopwatch.GetElapsedTime(_launched);

    /// <summary>Problem lines printed so far (see <see cref="IBrokerLauncher.IsProblemLine"/>).</summary>
    public int ProblemCount
    {
        get
        {
            lock (_outputLock)
            {
                return _problemCount;
            }
        }
    }

    /// <summary>The first problem lines, for the report.</summary>
    public IReadOnlyList<string> ProblemLines
    {
        get
        {
            lock (_outputLock)
            {
                return [.. _problemLines];
            }
        }
    }

    public static Task<BrokerProcess> StartAsync(IBrokerLauncher launcher, BrokerProfile profile, CancellationToken cancellationToken) =>
        StartAsync(launcher, profile, FreeLoopbackPort(), Directory.CreateTempSubdirectory("edgebroker-bench-"), cancellationToken);

    /// <summary>Kills the broker with SIGKILL — no chance to save anything, as in a power cut or an OOM kill — and
    /// starts it again on the same port and scratch directory, so it finds what it had stored. The new process owns
    /// the directory from then on (this one is only disposed).</summary>
    public async Task<BrokerProcess> KillAndRestartAsync(CancellationToken cancellationToken)
    {
        _process.Kill();
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return await StartAsync(_launcher, _profile, Port, _workingDirectory, cancellationToken).ConfigureAwait(false);
    }

    static async Task<BrokerProcess> StartAsync(IBrokerLauncher launcher, BrokerProfile profile, int port, DirectoryInfo workingDirectory,
        CancellationToken cancellationToken)
    {
        var start = launcher.StartInfo(port, profile, workingDirectory);
        start.WorkingDirectory = workingDirectory.FullName;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var broker = new BrokerProcess(process, launcher, profile, port, workingDirectory);
        process.OutputDataReceived += (_, line) => broker.OnOutput(line.Data);
        process.ErrorDataReceived += (_, line) => broker.OnOutput(line.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            workingDirectory.Delete(recursive: true);
            throw new BenchmarkSetupException($"Cannot start {launcher.Name} ({start.FileName}): {e.Message}");
        }

        ChildProcessGuard.Register(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await broker.WaitUntilAcceptingAsync(cancellationToken).ConfigureAwait(false);
            broker.StartedIn = broker.Age;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return broker;
    }

    /// <summary>Throws with the broker's last output when it has died (a crash must not look like a slow broker).</summary>
    public void ThrowIfExited()
    {
        if (ExitError(TimeSpan.Zero) is { } exited)
        {
            throw exited;
        }
    }

    /// <summary>Why the broker is gone, with its last output, if it exits within <paramref name="grace"/>; null
    /// while it runs. A client that lost its connection is often only the symptom of a broker that just died.</summary>
    public BenchmarkSetupException? ExitError(TimeSpan grace)
    {
        if (!_process.WaitForExit(grace))
        {
            return null;
        }

        // The process is gone; this only waits for the output readers to reach the end of its pipes, so the tail
        // below includes its last words (a stack trace, say).
        _process.WaitForExit();
        return new BenchmarkSetupException(
            $"{_launcher.Name} (pid {_process.Id}) exited unexpectedly with code {_process.ExitCode}.\nLast output:\n{OutputTail()}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or it did not die within the timeout: the guard tries again at harness exit.
        }
        finally
        {
            if (_process.HasExited)
            {
                ChildProcessGuard.Unregister(_process);
                DeleteWorkingDirectory();
            }

            _process.Dispose();
        }
    }

    void DeleteWorkingDirectory()
    {
        try
        {
            _workingDirectory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: it is in the temp directory, which the OS cleans.
        }
    }

    async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            ThrowIfExited();
            using (var probe = new TcpClient(AddressFamily.InterNetwork))
            {
                try
                {
                    await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                    lock (_outputLock)
                    {
                        _probeEndPoints.Add(probe.Client.LocalEndPoint!.ToString()!);
                    }

                    return;
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            if (deadline.Elapsed > ReadyTimeout)
            {
                throw new BenchmarkSetupException(
                    $"{_launcher.Name} did not accept TCP on 127.0.0.1:{Port} within {ReadyTimeout.TotalSeconds:0} s.\nLast output:\n{OutputTail()}");
            }

            // Often enough that a broker starting in milliseconds (mosquitto) is timed in milliseconds.
            await Task.Delay(ProbeInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _outputTail.Enqueue(line);
            if (_outputTail.Count > OutputTailLines)
            {
                _outputTail.Dequeue();
            }

            if (_launcher.IsProblemLine(line) && !_probeEndPoints.Any(endPoint => Mentions(line, endPoint)))
            {
                _problemCount++;
                if (_problemLines.Count < KeptProblemLines)
                {
                    _problemLines.Add(line);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="line"/> names <paramref name="endPoint"/> exactly (127.0.0.1:4000 is not
    /// 127.0.0.1:40001).</summary>
    static bool Mentions(string line, string endPoint)
    {
        for (var at = line.IndexOf(endPoint, StringComparison.Ordinal); at >= 0; at = line.IndexOf(endPoint, at + 1, StringComparison.Ordinal))
        {
            var next = at + endPoint.Length;
            if (next == line.Length || !char.IsAsciiDigit(line[next]))
            {
                return true;
            }
        }

        return false;
    }

    string OutputTail()
    {
        lock (_outputLock)
        {
            return _outputTail.Count == 0 ? "(no output)" : string.Join('\n', _outputTail);
        }
    }

    /// <summary>A port the OS says is free now. Another process could take it before the broker binds; the broker
    /// then fails to start and the error says so, which is rare enough on a benchmark machine.</summary>
    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
