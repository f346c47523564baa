using System.Diagnostics;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// A real mosquitto standing in for the cloud broker: its own process on a fixed free port, anonymous clients allowed,
/// persistence on (so a persistent session, and the messages queued for it, survive <see cref="StopAsync"/> and
/// <see cref="RestartAsync"/>). <see cref="StopAsync"/> stops it as a service stop does (an outage).
/// </summary>
public sealed class MosquittoUpstream : IAsyncDisposable
{
    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgebroker-mosquitto-");
    readonly string _configFile;
    ProcessRunner? _process;

    MosquittoUpstream(int port, string extraConfig)
    {
        Port = port;
        if (!OperatingSystem.IsWindows())
        {
            // Started as root, mosquitto drops to its own user, which must be able to write its persistence file here.
            File.SetUnixFileMode(_directory.FullName, (UnixFileMode)0x1FF);
        }

        _configFile = Path.Combine(_directory.FullName, "mosquitto.conf");

        // Started as root, mosquitto drops to its own user, which must still be able to write its persistence file here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_directory.FullName, (UnixFileMode)0x1FF);
        }
        File.WriteAllText(_configFile, $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_directory.FullName}/
            max_queued_messages 100000
            log_dest stdout
            {extraConfig}
            """);
    }

    public int Port { get; }

    public string Address => $"mqtt://127.0.0.1:{Port}";

    /// <param name="extraConfig">Lines added to mosquitto.conf, e.g. <c>max_packet_size 1000</c>.</param>
    public static async Task<MosquittoUpstream> StartAsync(string extraConfig = "")
    {
        var upstream = new MosquittoUpstream(FreePorts.Next(), extraConfig);
        await upstream.RestartAsync();
        return upstream;
    }

    /// <summary>Starts it (again) and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        _process = ProcessRunner.Start(ExternalTools.MosquittoBroker, "-c", _configFile);
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, () => $"mosquitto did not listen on {Port}: {_process.Output} {_process.Errors}");
    }

    /// <summary>Stops it with SIGTERM, as a service stop does (mosquitto saves its persistence file first): an outage.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        using (var terminate = Process.Start("kill", ["-TERM", _process.ProcessId.ToString()]))
        {
            await terminate.WaitForExitAsync();
        }

        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Stops it with SIGTERM, so that it saves its persistent sessions first (a planned outage).</summary>
    public async Task StopGracefullyAsync()
    {
        if (_process is not null)
        {
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.ProcessId.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Delete(recursive: true);
    }
}
