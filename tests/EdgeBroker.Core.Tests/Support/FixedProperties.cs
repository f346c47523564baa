using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>An engine's properties object that counts <paramref name="footprintBytes"/>, as the host's MQTT 5
/// properties do (the core never looks inside).</summary>
sealed class FixedProperties(int footprintBytes) : IEngineProperties
{
    public int FootprintBytes { get; } = footprintBytes;
}
