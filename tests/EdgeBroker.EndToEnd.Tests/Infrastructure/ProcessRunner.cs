using System.Diagnostics;
using System.Text;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Runs an external client (mosquitto_pub/sub, python) as a child process and collects its output.</summary>
public sealed class ProcessRunner : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _stdout = new();
    readonly StringBuilder _stderr = new();
    readonly TaskCompletionSource _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    ProcessRunner(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }

            _firstLine.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static ProcessRunner Start(string file, params string[] arguments) =>
        Start(new Dictionary<string, string>(), file, arguments);

    public static ProcessRunner Start(IDictionary<string, string> environment, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new ProcessRunner(Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}"));
    }

    /// <summary>Runs to completion and returns (exit code, stdout, stderr).</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(TimeSpan timeout, string file, params string[] arguments)
    {
        await using var runner = Start(file, arguments);
        var exitCode = await runner.WaitForExitAsync(timeout);
        return (exitCode, runner.Output, runner.Errors);
    }

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits until <paramref name="text"/> has appeared on standard output; fails the test after <paramref name="timeout"/>.</summary>
    public Task WaitForOutputAsync(TimeSpan timeout, string text) =>
        Eventually.WaitUntilAsync(() => Output.Contains(text), () => $"'{text}' did not appear; output: {Output} errors: {Errors}", timeout);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_process.StartInfo.FileName} did not finish within {timeout}; output: {Output} errors: {Errors}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
