namespace EdgeBroker.Host.Tls;

/// <summary>A configured certificate or CA file cannot be used (unreadable, malformed, wrong password, no private key).
/// The message names the file and the reason, never key material or the password; the broker refuses to start rather
/// than serve without the TLS the settings ask for.</summary>
public sealed class CertificateUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
