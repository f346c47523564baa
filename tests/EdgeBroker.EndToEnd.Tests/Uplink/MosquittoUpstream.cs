using System.Diagnostics;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// A real mosquitto broker standing in for the cloud: a child process on a free loopback port, anonymous, with
/// persistence in its own directory and no limit on queued messages, so a persistent subscriber's messages survive
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> on the same port (an outage, as the gateway sees it).
/// </summary>
public sealed class MosquittoUpstream : RunningBroker
{
    public const string Executable = "/usr/sbin/mosquitto";

    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgebroker-upstream-");
    readonly int _port = FreePorts.Next();
    Process? _process;

    MosquittoUpstream()
    {
        // Started as root, mosquitto drops to its own user, which must be able to write its persistence file here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory.FullName, (UnixFileMode)0x1FF);
        }

        File.WriteAllLines(Path.Combine(_directory.FullName, "mosquitto.conf"),
        [
            $"listener {_port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            $"persistence_location {_directory.FullName}/",
            "max_queued_messages 0",
            "max_inflight_messages 0",
        ]);
    }

    public override int Port => _port;

    /// <summary>Why an uplink test cannot run here, or null: it needs the mosquitto broker.</summary>
    public static string? MissingReason => File.Exists(Executable)
        ? null
        : $"needs the mosquitto broker ({Executable}); install with: {ExternalTools.InstallCommand}";

    public static async Task<MosquittoUpstream> StartNewAsync()
    {
        var upstream = new MosquittoUpstream();
        await upstream.StartAsync();
        return upstream;
    }

    /// <summary>Starts (again) on the same port and persistence directory, and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Executable, ["-c", Path.Combine(_directory.FullName, "mosquitto.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + Executable);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.WaitUntilAsync(AcceptsConnections, () => "mosquitto did not listen on port " + _port);
    }

    /// <summary>Stops it the way a service stop does (SIGTERM: mosquitto saves its persistence file first).</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>mosquitto cannot say; the uplink tests watch the gateway's status instead.</summary>
    public override bool IsConnected(string clientId) =>
        throw new NotSupportedException("mosquitto does not report its clients; watch the gateway's uplink status");

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Delete(recursive: true);
    }

    bool AcceptsConnections()
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect("127.0.0.1", _port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
