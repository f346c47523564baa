using System.Runtime.Versioning;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// The broker's <c>--access-key-file</c>, the built program started as users start it: access keys one <c>ID:SECRET</c> a
/// line, out of sight of <c>ps</c>, where <c>--access-key</c> shows the secret to every user of the machine. A file that
/// gives no key is refused with exit code 2 in one line naming the file (and line), never a secret. Files' Unix modes
/// are part of the behaviour (a key file others can read is warned about).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class AccessKeyFileTests : IDisposable
{
    const string FirstSecret = "first-secret-of-the-file-0123";
    const string SecondSecret = "second-secret-of-the-file-4567";

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-access-key-file-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_broker_serves_the_lan_with_every_key_of_its_file_and_no_secret_on_its_command_line()
    {
        var file = Write("keys", $"AK_ONE:{FirstSecret}\n\n  AK_TWO:{SecondSecret}  \n");
        await using var broker = await HostProcess.StartAsync("--bind", "0.0.0.0", "--access-key-file", file);

        await using var one = await SignedInAsync(broker, "GID_a@@@one", "AK_ONE", FirstSecret);
        await using var two = await SignedInAsync(broker, "GID_a@@@two", "AK_TWO", SecondSecret);
        var anonymous = await SecureBroker.RefusedAsync(broker, "GID_a@@@anyone", MqttProtocolVersion.V500, userName: null, password: null);
        var commandLine = await File.ReadAllTextAsync($"/proc/{broker.ProcessId}/cmdline");

        Assert.Equal(MqttClientConnectResultCode.Success, one.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, two.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous);
        await broker.WaitForOutputAsync("Anonymous access: refused; clients sign in with an access key (2 configured");
        Assert.DoesNotContain(FirstSecret, commandLine);
        Assert.DoesNotContain(SecondSecret, commandLine);
    }

    [Fact]
    public async Task Keys_from_files_and_flags_add_up()
    {
        var first = Write("first", $"AK_ONE:{FirstSecret}\n");
        var second = Write("second", $"AK_TWO:{SecondSecret}\n");

        await using var broker = await HostProcess.StartAsync("--access-key-file", first, "--access-key-file", second, "--access-key", "AK_FLAG:flag-secret-0123456789");

        // The start-up lines are read from the process as it writes them: the listening line can come first.
        await broker.WaitForOutputAsync("(3 configured");
    }

    /// <summary>Keys that other users of the machine can read are taken, with one warning naming the file and its mode,
    /// never a secret; a file readable by its owner only draws none.</summary>
    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "mode 644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead, "mode 440")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, null)]
    public async Task A_key_file_others_can_read_is_taken_with_one_warning(UnixFileMode mode, string? warned)
    {
        var file = Write("keys", $"AK_ONE:{FirstSecret}\n");
        File.SetUnixFileMode(file, mode);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--access-key-file", file);

        Assert.True(run.ExitCode == 0, run.Errors);
        var warnings = run.Errors.Split('\n').Where(line => line.Contains("can be read by other users")).ToList();
        if (warned is null)
        {
            Assert.Empty(warnings);
        }
        else
        {
            var warning = Assert.Single(warnings);
            Assert.Contains($"--access-key-file {file}", warning);
            Assert.Contains(warned, warning);
        }

        Assert.DoesNotContain(FirstSecret, run.Output + run.Errors);
    }

    [Theory]
    [InlineData("missing", null, "cannot be read")]
    [InlineData("empty", "\n\n", "holds no access key")]
    [InlineData("malformed", "AK_ONE:" + FirstSecret + "\n" + SecondSecret + "\n", ", line 2: expected an access key as ID:SECRET")]
    public async Task A_file_that_gives_no_key_is_refused_with_exit_code_2_naming_it_and_never_a_secret(string name, string? content, string problem)
    {
        var file = content is null ? Path.Combine(_directory, name) : Write(name, content);

        var run = await HostProcess.RunExpectingExitAsync("--access-key-file", file);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"edgebroker: --access-key-file {file}", run.Errors);
        Assert.Contains(problem, run.Errors);
        Assert.DoesNotContain(FirstSecret, run.Output + run.Errors);
        Assert.DoesNotContain(SecondSecret, run.Output + run.Errors);
    }

    /// <summary>A key file as the README has the user write it: readable by its owner only.</summary>
    string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    static Task<TestClient> SignedInAsync(RunningBroker broker, string clientId, string keyId, string secret) =>
        SecureClients.ConnectAsync(broker, clientId, SecureBroker.SignatureUserName(keyId, "edgebroker"), SecureBroker.SignaturePassword(secret, clientId));
}
