using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Program;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>The host program with its TLS flags, as users start it: a child process, its messages and exit codes.</summary>
public sealed class TlsProgramTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    [ToolFact(Tool.MosquittoClients)]
    public async Task The_tls_flags_start_a_tls_only_broker_that_requires_client_certificates()
    {
        var tlsPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--in-memory", "--http-port", "0",
            "--tls-port", tlsPort.ToString(), "--tls-cert", certificates.ServerCertificateFile, "--tls-key", certificates.ServerKeyFile,
            "--require-client-cert", "--tls-client-ca", certificates.CaFile, "--no-plain");
        await broker.WaitForOutputAsync(HostProgram.Timeout, $"MQTT over TLS listener on mqtts://127.0.0.1:{tlsPort}");

        var publish = await ProcessRunner.RunAsync(HostProgram.Timeout, ExternalTools.MosquittoPub, "-h", "127.0.0.1", "-p", tlsPort.ToString(),
            "--cafile", certificates.CaFile, "--cert", certificates.ClientCertificateFile, "--key", certificates.ClientKeyFile, "-t", "t", "-m", "hi");

        Assert.True(publish.ExitCode == 0, $"mosquitto_pub failed: {publish.Errors}");
        Assert.Contains("client certificates required", broker.Output);
        Assert.Contains("Plain MQTT listener off", broker.Output);
        Assert.Contains("HTTP API on https://127.0.0.1:", broker.Output);
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task A_client_without_a_certificate_is_one_warning_line_that_says_why()
    {
        var tlsPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--in-memory", "--http-port", "0", "--log-format", "json",
            "--tls-port", tlsPort.ToString(), "--tls-cert", certificates.ServerCertificateFile, "--tls-key", certificates.ServerKeyFile,
            "--require-client-cert", "--tls-client-ca", certificates.CaFile, "--no-plain");
        await broker.WaitForOutputAsync(HostProgram.Timeout, $"MQTT over TLS listener on mqtts://127.0.0.1:{tlsPort}");

        var refused = await ProcessRunner.RunAsync(HostProgram.Timeout, ExternalTools.MosquittoPub, "-h", "127.0.0.1", "-p", tlsPort.ToString(),
            "--cafile", certificates.CaFile, "-t", "t", "-m", "hi");

        Assert.NotEqual(0, refused.ExitCode);
        await Eventually.WaitUntilAsync(() => HostLogTests.Events(broker).Any(e => e.GetProperty("LogLevel").GetString() == "Warning"),
            () => "no warning: " + broker.Output);
        var warning = Assert.Single(HostLogTests.Events(broker), e => e.GetProperty("LogLevel").GetString() == "Warning");
        Assert.Equal(1006, HostLogTests.EventId(warning));
        var message = warning.GetProperty("Message").GetString()!;
        Assert.Contains($"TLS handshake failed: the client presented no certificate (one issued by a CA in {certificates.CaFile} is required).", message);
        Assert.DoesNotContain("..", message);
    }

    [Fact]
    public async Task A_taken_tls_port_names_that_port_alone_and_its_flag()
    {
        using var taken = new TakenPort();
        var tlsPort = taken.Port;

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0",
            "--tls-port", tlsPort.ToString(), "--tls-cert", certificates.ServerCertificateFile, "--tls-key", certificates.ServerKeyFile);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal($"edgebroker: cannot listen for MQTT over TLS on 127.0.0.1:{tlsPort}: the port is already in use. Stop the other program " +
            "using it or pick another port with --tls-port.", run.Errors.Trim());
    }

    [Fact]
    public async Task A_pfx_password_from_the_environment_opens_the_certificate_and_is_never_printed()
    {
        var tlsPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start(
            new Dictionary<string, string> { ["EdgeBroker__Tls__PfxPassword"] = TestCertificates.PfxPassword },
            "dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0",
            "--tls-port", tlsPort.ToString(), "--tls-pfx", certificates.ServerPfxFile);

        await broker.WaitForOutputAsync(HostProgram.Timeout, $"MQTT over TLS listener on mqtts://127.0.0.1:{tlsPort}");

        Assert.Contains("certificate CN=localhost", broker.Output);
        Assert.DoesNotContain(TestCertificates.PfxPassword, broker.Output + broker.Errors);
    }

    [Fact]
    public async Task An_expired_certificate_is_served_with_a_warning_at_start()
    {
        var tlsPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0",
            "--tls-port", tlsPort.ToString(), "--tls-cert", certificates.ExpiredServerCertificateFile, "--tls-key", certificates.ServerKeyFile);

        await broker.WaitForOutputAsync(HostProgram.Timeout, $"MQTT over TLS listener on mqtts://127.0.0.1:{tlsPort}");

        Assert.Contains("The TLS server certificate CN=localhost is valid from", broker.Output);
        Assert.Contains("not now; clients will refuse it", broker.Output);
    }

    [Fact]
    public async Task A_wrong_pfx_password_stops_the_start_with_exit_code_2_without_printing_the_password()
    {
        const string wrongPassword = "not-the-pfx-password";

        await using var broker = ProcessRunner.Start(
            new Dictionary<string, string> { ["EdgeBroker__Tls__PfxPassword"] = wrongPassword },
            "dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0", "--tls-pfx", certificates.ServerPfxFile);

        Assert.Equal(2, await broker.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains($"cannot load the TLS certificate from Tls:PfxFile '{certificates.ServerPfxFile}'", broker.Errors);
        Assert.Contains("password may be incorrect", broker.Errors);
        Assert.DoesNotContain(wrongPassword, broker.Output + broker.Errors);
        Assert.DoesNotContain("   at ", broker.Output + broker.Errors);
    }

    [Theory]
    [InlineData("not a certificate", "The certificate contents do not contain a PEM")]
    [InlineData("a key that is not the certificate's", "does not match")]
    public async Task A_pem_certificate_that_cannot_be_loaded_stops_the_start_with_exit_code_2(string problem, string message)
    {
        var certificate = problem == "not a certificate" ? certificates.ServerKeyFile : certificates.ServerCertificateFile;
        var key = problem == "not a certificate" ? certificates.ServerKeyFile : certificates.ClientKeyFile;

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0",
            "--tls-cert", certificate, "--tls-key", key);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"cannot load the TLS certificate from Tls:CertificateFile '{certificate}'", run.Errors);
        Assert.Contains(message, run.Errors);
        Assert.DoesNotContain("PRIVATE KEY", run.Output + run.Errors);
        Assert.DoesNotContain("   at ", run.Output + run.Errors);
    }

    [Fact]
    public async Task No_plain_listener_without_a_certificate_is_an_invalid_setting()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--http-port", "0", "--no-plain");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Tls:PlainListener is off (--no-plain) but no TLS certificate is configured", run.Errors);
    }
}
