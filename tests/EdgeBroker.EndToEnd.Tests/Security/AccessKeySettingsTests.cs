using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// What both programs say about a configured access key as they start and in <c>config check</c>: a secret shorter than
/// 16 characters is warned about once, by the key's ID and never with the secret (a Signature password is the HMAC of
/// the client ID with it, and crosses a plain listener in clear: one captured CONNECT lets a short one be guessed
/// offline); the broker still starts with it. An ID with '|', which no client could sign in with, is refused (exit 2).
/// </summary>
public sealed class AccessKeySettingsTests : IDisposable
{
    const string ShortSecret = "qzkw";
    const string Warning = "Access key AK has a secret shorter than 16 characters";
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-access-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_host_starts_with_a_short_secret_and_warns_once_by_the_keys_id()
    {
        await using var broker = await HostProcess.StartAsync("--access-key", "AK:" + ShortSecret, "--access-key", "AK_LONG:a-secret-of-28-characters-ok");
        await broker.WaitForOutputAsync("HTTP API on");

        var warning = Assert.Single(broker.Output.Split('\n'), line => line.Contains("secret shorter than"));
        Assert.Contains(Warning, warning);
        Assert.Contains("guessed offline", warning);
        Assert.DoesNotContain(ShortSecret, broker.Output);
    }

    [Fact]
    public async Task Host_config_check_prints_the_same_warning_on_standard_error_and_still_passes()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--access-key", "AK:" + ShortSecret);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("edgebroker: warning: " + Warning, run.Errors);
        Assert.DoesNotContain(ShortSecret, run.Output + run.Errors);
    }

    [Theory]
    [InlineData("start")]
    [InlineData("config check")]
    public async Task The_host_refuses_an_access_key_id_with_a_bar(string command)
    {
        string[] key = ["--access-key", "A|K:a-secret-of-28-characters-ok"];

        var run = command == "start"
            ? await HostProcess.RunExpectingExitAsync(key)
            : await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, "config", "check", .. key]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("edgebroker: invalid setting: Access key 'A|K' has '|' in its ID", run.Errors);
        Assert.DoesNotContain("a-secret-of-28-characters-ok", run.Output + run.Errors);
    }

    [Fact]
    public async Task The_emulator_starts_with_a_short_secret_and_warns_once_by_the_keys_id()
    {
        await using var emulator = EmulatorEngine.Start(new Dictionary<string, string?>
        {
            ["access_key.AK"] = ShortSecret,
            ["access_key.AK_LONG"] = "a-secret-of-28-characters-ok",
        });

        var warning = Assert.Single(emulator.LoggedProblems, line => line.Contains("secret shorter than"));
        Assert.StartsWith(Warning, warning);
        Assert.DoesNotContain(ShortSecret, warning);
    }

    [Fact]
    public async Task Emulator_config_check_prints_the_same_warning_on_standard_error_and_still_passes()
    {
        File.WriteAllText(Path.Combine(_directory, "edgebroker.conf"), $"access_key.AK = {ShortSecret}\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("edgebroker-emulator: warning: " + Warning, run.Errors);
        Assert.DoesNotContain(ShortSecret, run.Errors);
    }
}
