using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The firmware emulator as users run it (<c>dotnet run --project host/EdgeBroker.Emulator -- --port 1884</c>): a
/// child process, its flags, its data directory standing in for I:, the pairing button over HTTP and a device paired
/// with it, exit codes.</summary>
public sealed class EmulatorProgramTests : IDisposable
{
    static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(20);
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _dataDirectory = Directory.CreateTempSubdirectory("edgebroker-emulator-program-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Serves_mqtt_with_the_configuration_file_from_its_data_directory_and_stops_cleanly_on_sigterm()
    {
        var port = FreePorts.Next();
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), "# as on I:\nmax_clients = 3\n");
        await using var emulator = ProcessRunner.Start("dotnet", EmulatorDll, "--port", port.ToString(), "--data-dir", _dataDirectory);
        await emulator.WaitForOutputAsync(ProcessTimeout, $"MQTT listener on mqtt://127.0.0.1:{port} (MQTT 3.1.1, at most 3 clients");
        Assert.Contains(_dataDirectory, emulator.Output);

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync(new byte[] { 0x10, 13, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 60, 0, 1, (byte)'c' });
            var connAck = new byte[4];
            await stream.ReadExactlyAsync(connAck);
            Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, connAck);
        }

        await ProcessRunner.RunAsync(ProcessTimeout, "kill", "-TERM", emulator.ProcessId.ToString());
        Assert.Equal(0, await emulator.WaitForExitAsync(ProcessTimeout));
        Assert.Contains("MQTT listener stopped", emulator.Output);
    }

    /// <summary>bind from edgebroker.conf is honoured and --bind overrides it (the emulator used to listen on 127.0.0.1
    /// whatever the file said, while config check printed the file's address). 127.0.0.2 is loopback too, so the test
    /// serves nobody else.</summary>
    [Theory]
    [InlineData(null, "127.0.0.2")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public async Task Listens_on_the_bind_address_of_its_configuration_file_unless_the_flag_says_otherwise(string? flag, string listening)
    {
        var port = FreePorts.Next();
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), "bind = 127.0.0.2\n");
        string[] bindFlag = flag is null ? [] : ["--bind", flag];
        await using var emulator = ProcessRunner.Start("dotnet", [EmulatorDll, "--port", port.ToString(), "--data-dir", _dataDirectory, .. bindFlag]);

        await emulator.WaitForOutputAsync(ProcessTimeout, $"MQTT listener on mqtt://{listening}:{port} ");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(listening), port);
    }

    /// <summary>A request naming another host than this machine's loopback — what a page on a DNS-rebound name makes
    /// the browser send — is refused, does nothing, and the endpoint serves on.</summary>
    [Fact]
    public async Task A_request_the_http_endpoint_refuses_does_nothing_and_leaves_it_serving()
    {
        var httpPort = FreePorts.Next();
        await using var emulator = await StartWithHttpAsync(FreePorts.Next(), httpPort);

        var answer = await SendRawHttpAsync(httpPort, "POST /pairing HTTP/1.1", $"Host: rebound.example:{httpPort}", "Content-Length: 0");

        Assert.StartsWith("HTTP/1.1 400", answer);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = ProcessTimeout };
        Assert.False(await PairingOpenAsync(http), "a refused POST pressed the pairing button");
        Assert.DoesNotContain("Pairing window", emulator.Output);
    }

    /// <summary>docs/dashboard.md: curl and scripts press the button. <c>curl -X POST …/pairing</c> sends no body and no
    /// Content-Length, which HttpListener answered with an HTML 411 itself.</summary>
    [Fact]
    public async Task A_POST_without_a_body_or_a_length_presses_the_pairing_button()
    {
        var httpPort = FreePorts.Next();
        await using var emulator = await StartWithHttpAsync(FreePorts.Next(), httpPort);

        var answer = await SendRawHttpAsync(httpPort, "POST /pairing HTTP/1.1", $"Host: 127.0.0.1:{httpPort}", "User-Agent: curl/8.0", "Accept: */*");

        Assert.StartsWith("HTTP/1.1 200", answer);
        Assert.Contains("\"pairingOpen\":true", answer);
        await emulator.WaitForOutputAsync(ProcessTimeout, "Pairing window for group default open for 120 s (HTTP)");
    }

    /// <summary>Sends the request line and <paramref name="headers"/> as they are, with <c>Connection: close</c>, and
    /// returns the whole answer.</summary>
    static async Task<string> SendRawHttpAsync(int port, string requestLine, params string[] headers)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var request = string.Concat(headers.Append("Connection: close").Select(header => header + "\r\n"));
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{requestLine}\r\n{request}\r\n"));
        using var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        await stream.CopyToAsync(answer, timeout.Token);
        return System.Text.Encoding.ASCII.GetString(answer.ToArray());
    }

    [Fact]
    public async Task The_pairing_button_can_be_pressed_over_http()
    {
        var httpPort = FreePorts.Next();
        await using var emulator = await StartWithHttpAsync(FreePorts.Next(), httpPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };

        Assert.False(await PairingOpenAsync(http));
        (await http.PostAsync("pairing", null)).EnsureSuccessStatusCode();

        Assert.True(await PairingOpenAsync(http));
        await emulator.WaitForOutputAsync(ProcessTimeout, "Pairing window for group default open for 120 s (HTTP)");
    }

    /// <summary>What a form on another site's page makes the browser send to the emulator's loopback port: a simple
    /// request (no preflight), saying where it comes from.</summary>
    [Theory]
    [InlineData("Origin", "http://evil.example", "its Origin is http://evil.example, not http://127.0.0.1:")]
    [InlineData("Origin", "null", "its Origin is null, not http://127.0.0.1:")]
    [InlineData("Sec-Fetch-Site", "cross-site", "the browser says a cross-site page sent it (Sec-Fetch-Site)")]
    [InlineData("Sec-Fetch-Site", "same-site", "the browser says a same-site page sent it (Sec-Fetch-Site)")]
    public async Task A_pairing_press_sent_by_another_sites_page_is_refused_and_logged_once(string header, string value, string reason)
    {
        var httpPort = FreePorts.Next();
        await using var emulator = await StartWithHttpAsync(FreePorts.Next(), httpPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        using var form = new HttpRequestMessage(HttpMethod.Post, "pairing") { Content = new StringContent("x=1") };
        form.Headers.Add(header, value);

        using var answer = await http.SendAsync(form);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.False(await PairingOpenAsync(http), "another site's page pressed the pairing button");
        await emulator.WaitForOutputAsync(ProcessTimeout, "Refused POST /pairing");
        var refusal = Assert.Single(emulator.Output.Split('\n'), line => line.Contains("Refused POST /pairing"));
        Assert.Contains("warn: Refused POST /pairing from another site's page: " + reason, refusal);
        Assert.DoesNotContain("Pairing window", emulator.Output);
    }

    [Fact]
    public async Task The_dashboards_own_pairing_press_names_the_endpoints_origin_and_is_taken()
    {
        var httpPort = FreePorts.Next();
        await using var emulator = await StartWithHttpAsync(FreePorts.Next(), httpPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
        using var press = new HttpRequestMessage(HttpMethod.Post, "pairing") { Content = new StringContent("") };
        press.Headers.Add("Origin", $"http://127.0.0.1:{httpPort}");
        press.Headers.Add("Sec-Fetch-Site", "same-origin");

        (await http.SendAsync(press)).EnsureSuccessStatusCode();

        Assert.True(await PairingOpenAsync(http));
        Assert.DoesNotContain("Refused POST", emulator.Output);
    }

    [Fact]
    public async Task A_device_paired_over_http_keeps_its_credentials_across_a_restart()
    {
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), "pairing_group = GID_sensors\n");
        const string Thermometer = "GID_sensors@@@thermo1";
        var port = FreePorts.Next();
        var httpPort = FreePorts.Next();
        (string UserName, string Password) credentials;
        await using (var emulator = await StartWithHttpAsync(port, httpPort))
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };
            (await http.PostAsync("pairing", null)).EnsureSuccessStatusCode();

            credentials = await Security.GatewaySecurityTests.PairAsync(new ListeningEmulator(port), Thermometer);
            await using (await ConnectAsDeviceAsync(port, Thermometer, credentials))
            {
            }

            await ProcessRunner.RunAsync(ProcessTimeout, "kill", "-TERM", emulator.ProcessId.ToString());
            Assert.Equal(0, await emulator.WaitForExitAsync(ProcessTimeout));
            Assert.DoesNotContain(credentials.Password, emulator.Output);
        }

        port = FreePorts.Next();
        await using (var restarted = ProcessRunner.Start("dotnet", EmulatorDll, "--port", port.ToString(), "--data-dir", _dataDirectory))
        {
            await restarted.WaitForOutputAsync(ProcessTimeout, "MQTT listener on");
            Assert.Contains("1 paired devices; anonymous clients refused", restarted.Output);

            await using var device = await ConnectAsDeviceAsync(port, Thermometer, credentials);
            Assert.True(device.Client.IsConnected);
            await using var anonymous = await RawMqttConnection.OpenAsync(new ListeningEmulator(port));
            Assert.Equal(5, await anonymous.ConnectAsync("GID_sensors@@@stranger"));
        }
    }

    /// <summary>The emulator on <paramref name="port"/> with its HTTP endpoint on <paramref name="httpPort"/>, once that
    /// serves.</summary>
    async Task<ProcessRunner> StartWithHttpAsync(int port, int httpPort)
    {
        var emulator = ProcessRunner.Start("dotnet", EmulatorDll, "--port", port.ToString(), "--data-dir", _dataDirectory,
            "--http-port", httpPort.ToString());
        try
        {
            await emulator.WaitForOutputAsync(ProcessTimeout, "POST /pairing");
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    [Theory]
    [InlineData("--port", "the port is already in use. Stop the other program using it or pick another port with --port.")]
    [InlineData("--http-port", "the port is already in use. Stop the other program using it or pick another port with --http-port.")]
    public async Task A_taken_port_is_exit_code_3_with_what_to_do(string flag, string advice)
    {
        using var taken = new TakenPort();
        var port = taken.Port;
        string[] ports = flag == "--port" ? ["--port", port.ToString()] : ["--port", "0", "--http-port", port.ToString()];

        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", [EmulatorDll, .. ports, "--data-dir", _dataDirectory]);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"cannot listen {(flag == "--port" ? "" : "for HTTP ")}on 127.0.0.1:{port}: ", run.Errors);
        Assert.Contains(advice, run.Errors);
        Assert.DoesNotContain("Unhandled exception", run.Errors);
    }

    [Theory]
    [InlineData("--bind", "nowhere", "Bind 'nowhere' is not an IP address")]
    [InlineData("--port", "70000", "Port 70000 is not a TCP port")]
    [InlineData("--port", "abc", "--port is 'abc', not a whole number")]
    public async Task An_invalid_flag_value_is_named_and_exit_code_2(string flag, string value, string message)
    {
        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", EmulatorDll, flag, value, "--data-dir", _dataDirectory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Errors);
    }

    /// <summary>In the host's words (the same code), one line for the mistake: the value after an unknown flag is not a
    /// second mistake.</summary>
    [Fact]
    public async Task An_unknown_flag_is_named_with_the_nearest_one_as_the_host_names_it()
    {
        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", EmulatorDll, "--prot", "1884", "--data-dir", _dataDirectory);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["edgebroker-emulator: unknown flag '--prot' (did you mean --port?)", "edgebroker-emulator: 'EdgeBroker.Emulator --help' lists what it takes."],
            run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task An_invalid_configuration_file_value_is_named_and_exit_code_2()
    {
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), "max_packet_size = huge\n");

        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", EmulatorDll, "--data-dir", _dataDirectory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("max_packet_size = huge is not a whole number", run.Errors);
    }

    [Fact]
    public async Task A_damaged_store_is_named_and_exit_code_4_and_left_as_it_is()
    {
        var store = Directory.CreateDirectory(Path.Combine(_dataDirectory, "edgebroker")).FullName;
        var log = Path.Combine(store, "edgebroker.log");
        byte[] garbage = [.. "not a log at all"u8];
        File.WriteAllBytes(log, garbage);

        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", EmulatorDll, "--data-dir", _dataDirectory);

        Assert.Equal(4, run.ExitCode);
        Assert.Contains(log + " is damaged", run.Errors);
        Assert.Equal(garbage, File.ReadAllBytes(log));
    }

    static Task<TestClient> ConnectAsDeviceAsync(int port, string clientId, (string UserName, string Password) credentials) =>
        TestClient.ConnectAsync(new ListeningEmulator(port), clientId, configure: b => b.WithCredentials(credentials.UserName, credentials.Password));

    /// <summary>The emulator program listening on <paramref name="port"/>, for the test clients (the test owns the
    /// process).</summary>
    sealed class ListeningEmulator(int port) : RunningBroker
    {
        public override int Port => port;

        public override bool IsConnected(string clientId) => throw new NotSupportedException("the program's state is its own");

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    static async Task<bool> PairingOpenAsync(HttpClient http)
    {
        using var status = JsonDocument.Parse(await http.GetStringAsync("status"));
        return status.RootElement.GetProperty("pairingOpen").GetBoolean();
    }
}
