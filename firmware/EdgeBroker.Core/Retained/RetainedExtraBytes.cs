using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Retained
{
    /// <summary>The bytes an engine keeps of a retained message beside its <see cref="MessageFootprint"/> (the relay: the
    /// objects holding it on the device's heap), so that <see cref="RetainedMessages.MaxBytes"/> bounds what the engine holds, not only what the core
    /// sees.</summary>
    public delegate int RetainedExtraBytes(RoutedMessage message);
}
