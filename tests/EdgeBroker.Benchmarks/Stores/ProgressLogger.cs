using BenchmarkDotNet.Loggers;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>Sends BenchmarkDotNet's output to the harness's progress stream (stderr), so stdout carries only the
/// report.</summary>
sealed class ProgressLogger(TextWriter progress) : ILogger
{
    public string Id => nameof(ProgressLogger);

    public int Priority => 0;

    public void Write(LogKind logKind, string text) => progress.Write(text);

    public void WriteLine() => progress.WriteLine();

    public void WriteLine(LogKind logKind, string text) => progress.WriteLine(text);

    public void Flush() => progress.Flush();
}
