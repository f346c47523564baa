namespace EdgeBroker.Host.Storage;

/// <summary>The data directory's database cannot be used as it is. The message names the file and what to do; the
/// broker refuses to start rather than start empty and lose what the file holds.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
