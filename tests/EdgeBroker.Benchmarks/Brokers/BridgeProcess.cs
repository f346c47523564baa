using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// A broker process that can be killed and started again on the same port and the same data — the gateway of an uplink
/// case (EdgeBroker with an uplink, or mosquitto with a bridge), and the upstream mosquitto both bridge into. Unlike
/// <see cref="BrokerProcess"/>, which starts every case fresh, a restart here is the point: outages and kill -9.
/// </summary>
public sealed class BridgeProcess : IAsyncDisposable
{
    readonly ProcessStartInfo _start;
    readonly DirectoryInfo _scratch;
    Process? _process;

    BridgeProcess(ProcessStartInfo start, DirectoryInfo scratch, int port)
    {
        _start = start;
        _scratch = scratch;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("not running");

    /// <summary>The upstream: mosquitto with persistence, so its subscriber's session survives a planned outage.</summary>
    public static Task<BridgeProcess> StartUpstreamAsync(string mosquitto) =>
        StartMosquittoAsync(mosquitto, _ => [], "bench-upstream-");

    /// <summary>A gateway forwarding <c>data/#</c> to <paramref name="upstreamPort"/> through <paramref name="bridge"/>.</summary>
    public static Task<BridgeProcess> StartGatewayAsync(BridgeKind bridge, string mosquitto, string edgeBrokerDll, int upstreamPort) =>
        bridge == BridgeKind.MosquittoBridge
            ? StartMosquittoAsync(mosquitto, _ => MosquittoBridgeLines(upstreamPort), "bench-bridge-")
            : StartEdgeBrokerAsync(edgeBrokerDll, upstreamPort);

    /// <summary>mosquitto's bridge as the issue measured it, tuned to be fair: persistence on, no queue limit, QoS 1
    /// both ways, a persistent session upstream, and a 1 s reconnect (our uplink's backoff is capped at 1 s too).</summary>
    public static IEnumerable<string> MosquittoBridgeLines(int upstreamPort) =>
    [
        "max_queued_messages 0",
        "connection cloud",
        $"address 127.0.0.1:{upstreamPort.ToString(CultureInfo.InvariantCulture)}",
        "topic data/# both 1",
        "cleansession false",
        "clientid bench-gateway",
        "restart_timeout 1",
    ];

    /// <summary>The EdgeBroker gateway's uplink, the same as <c>--uplink mqtt://127.0.0.1:PORT --uplink-forward data/#
    /// --uplink-subscribe data/# --uplink-client-id bench-gateway</c> plus a backoff capped at 1 s like the bridge's
    /// reconnect (a config file, since the flags cannot set the backoff).</summary>
    public static string EdgeBrokerSettings(int upstreamPort) =>
        "{ \"EdgeBroker\": { \"Uplinks\": [ { \"Name\": \"cloud\", \"Addresses\": [ \"mqtt://127.0.0.1:"
        + upstreamPort.ToString(CultureInfo.InvariantCulture)
        + "\" ], \"ClientId\": \"bench-gateway\", \"Forward\": [ { \"Filter\": \"data/#\" } ], \"Subscribe\": [ { \"Filter\": \"data/#\" } ], "
        + "\"BackoffMinMs\": 100, \"BackoffMaxMs\": 1000 } ] } }";

    /// <summary>mosquitto with persistence and <paramref name="extra"/> configuration lines (given its own port).</summary>
    public static async Task<BridgeProcess> StartMosquittoAsync(string mosquitto, Func<int, IEnumerable<string>> extra, string prefix)
    {
        var scratch = Directory.CreateTempSubdirectory(prefix);
        if (!OperatingSystem.IsWindows())
        {
            // Started as root, mosquitto drops to its own user, which must still write its persistence file here.
            File.SetUnixFileMode(scratch.FullName, (UnixFileMode)0x1FF);
        }

        var port = BrokerProcess.FreeLoopbackPort();
        var config = Path.Combine(scratch.FullName, "mosquitto.conf");
        File.WriteAllLines(config, new[]
        {
            $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            "persistence_location " + scratch.FullName + Path.DirectorySeparatorChar,
        }.Concat(extra(port)));
        var start = new ProcessStartInfo(mosquitto) { ArgumentList = { "-c", config } };
        var process = new BridgeProcess(start, scratch, port);
        await process.StartAsync();
        return process;
    }

    static Task<BridgeProcess> StartEdgeBrokerAsync(string dll, int upstreamPort) =>
        StartEdgeBrokerAsync(dll, scratch =>
        {
            var settings = Path.Combine(scratch.FullName, "bench-settings.json");
            File.WriteAllText(settings, EdgeBrokerSettings(upstreamPort));
            return ["--config", settings];
        });

    /// <summary>The EdgeBroker host on a port and data directory of its own, with the flags
    /// <paramref name="flags"/> makes (given its scratch directory).</summary>
    public static async Task<BridgeProcess> StartEdgeBrokerAsync(string dll, Func<DirectoryInfo, IEnumerable<string>> flags)
    {
        var scratch = Directory.CreateTempSubdirectory("bench-uplink-");
        var port = BrokerProcess.FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--http-port", "0", "--data-dir", Path.Combine(scratch.FullName, "data"),
            },
        };
        foreach (var flag in flags(scratch))
        {
            start.ArgumentList.Add(flag);
        }

        var process = new BridgeProcess(start, scratch, port);
        await process.StartAsync();
        return process;
    }

    /// <summary>Starts the process (again) and waits until it accepts TCP connections.</summary>
    public async Task StartAsync()
    {
        _start.RedirectStandardOutput = true;
        _start.RedirectStandardError = true;
        _start.UseShellExecute = false;
        _start.WorkingDirectory = _scratch.FullName;
        _process = Process.Start(_start) ?? throw new BenchmarkSetupException($"cannot start {_start.FileName}");
        ChildProcessGuard.Register(_process);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>SIGKILL: nothing is saved, the process just stops.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        Forget();
    }

    /// <summary>SIGTERM: a planned stop (mosquitto saves its persistent sessions).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync();
        }

        Forget();
    }

    void Forget()
    {
        if (_process is not null)
        {
            ChildProcessGuard.Unregister(_process);
            _process.Dispose();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.Yield();
        _scratch.Delete(recursive: true);
    }
}
