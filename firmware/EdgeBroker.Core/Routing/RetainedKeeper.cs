namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// The engine's retained-message store, as the router calls it for every authorized retained PUBLISH that is not a
    /// P2P message (a P2P message is for its receiver now, never for later readers) — after the access check and
    /// before routing it. Engines enter a SUBSCRIBE's subscription into the core before they collect its retained
    /// messages, so a SUBSCRIBE racing the PUBLISH either finds the message among the retained ones or is among the
    /// receivers when it is routed — never neither.
    /// </summary>
    public delegate void RetainedKeeper(RoutedMessage message);
}
