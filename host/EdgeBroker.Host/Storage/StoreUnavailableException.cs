namespace EdgeBroker.Host.Storage;

/// <summary>The data directory or its database cannot be used as it is, or another broker holds the directory. The message
/// names the directory or file and what to do; the broker refuses to start rather than start empty and lose what the
/// file holds.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
