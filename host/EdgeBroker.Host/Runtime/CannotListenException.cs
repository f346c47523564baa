namespace EdgeBroker.Host.Runtime;

/// <summary>An MQTT listener could not bind: thrown from the broker's start so Program reports it on standard error in
/// one line and exits with code 3, the same way as an HTTP port that cannot be used (a log line on standard output is
/// lost to a wrapper that captures only standard error).</summary>
sealed class CannotListenException(string message, Exception cause) : Exception(message, cause);
