using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Keeps the host's warnings and errors (message and exception) for <see cref="RunningBroker.LoggedProblems"/>,
/// added to the built host's logger factory beside its console logger.</summary>
sealed class ProblemLoggerProvider : ILoggerProvider
{
    readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyList<string> Problems => [.. _problems];

    public ILogger CreateLogger(string categoryName) => new ProblemLogger(categoryName, _problems);

    public void Dispose()
    {
    }

    sealed class ProblemLogger(string category, ConcurrentQueue<string> problems) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                problems.Enqueue(category + ": " + formatter(state, exception) + (exception is null ? "" : " " + exception));
            }
        }
    }
}
