using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The data directory as both programs claim it at start, run as users run them (child processes): one that
/// cannot be used, or that another broker holds, stops the start with exit code 4 and one line naming it and what to
/// do, never a stack trace; a broker killed with SIGKILL leaves it free.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    const int StoreUnavailable = 4;
    const string Host = "host";
    const string Emulator = "emulator";

    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-data-directory-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Programs => [Host, Emulator];

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task A_file_given_as_the_data_directory_is_named_and_exit_code_4(string program)
    {
        var file = Path.Combine(_directory, "not-a-directory");
        File.WriteAllText(file, "somebody's file");

        var run = await RunAsync(program, "--data-dir", file);

        Assert.Equal(StoreUnavailable, run.ExitCode);
        Assert.Contains($"The data directory {file} cannot be used: {file} is a file, not a directory. Choose another --data-dir", run.Errors);
        Assert.DoesNotContain("   at ", run.Output + run.Errors);
        Assert.Equal("somebody's file", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_directory_in_place_of_the_host_database_is_named_and_exit_code_4()
    {
        var database = Directory.CreateDirectory(Path.Combine(_directory, "edgebroker.db")).FullName;

        var run = await RunAsync(Host, "--data-dir", _directory);

        Assert.Equal(StoreUnavailable, run.ExitCode);
        Assert.Contains($"The data store {database} is a directory, not a database file.", run.Errors);
        Assert.DoesNotContain("   at ", run.Output + run.Errors);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task A_second_broker_on_the_same_data_directory_stops_with_exit_code_4_until_the_first_is_killed(string program)
    {
        await using var first = Start(program, "--data-dir", _directory);
        await first.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");

        var second = await RunAsync(program, "--data-dir", _directory);

        Assert.Equal(StoreUnavailable, second.ExitCode);
        Assert.Contains($"The data directory {_directory} is in use by another EdgeBroker; stop it or choose another --data-dir.", second.Errors);
        Assert.DoesNotContain("   at ", second.Output + second.Errors);

        // The kernel drops the lock with the process, however it ends: no stale lock after a crash.
        await ProcessRunner.RunAsync(HostProgram.Timeout, "kill", "-KILL", first.ProcessId.ToString());
        await first.WaitForExitAsync(HostProgram.Timeout);
        await using var third = Start(program, "--data-dir", _directory);
        await third.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");
    }

    static ProcessRunner Start(string program, params string[] arguments) => ProcessRunner.Start("dotnet", CommandLine(program, arguments));

    static Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", CommandLine(program, arguments));

    /// <summary>The program with free ports, so no other broker on this machine is in the way (the emulator serves no
    /// HTTP unless asked).</summary>
    static string[] CommandLine(string program, string[] arguments) => program == Host
        ? [HostProgram.Dll, "--port", "0", "--http-port", "0", .. arguments]
        : [EmulatorDll, "--port", "0", .. arguments];
}
