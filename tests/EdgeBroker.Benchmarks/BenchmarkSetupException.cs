namespace EdgeBroker.Benchmarks;

/// <summary>The run cannot start or go on (a broker is missing, will not start or died); the message says what to do
/// and is printed without a stack trace.</summary>
public sealed class BenchmarkSetupException(string message) : Exception(message);
