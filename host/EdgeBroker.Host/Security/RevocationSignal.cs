namespace EdgeBroker.Host.Security;

/// <summary>Raised by administration (HTTP API) right after a device or token is revoked, so the MQTT side closes
/// the affected connections at once instead of at its next once-a-second sweep.</summary>
sealed class RevocationSignal
{
    public event Action? Revoked;

    public void Raise() => Revoked?.Invoke();
}
