namespace EdgeBroker.Core.Offline
{
    /// <summary>The offline store stopped (<paramref name="writable"/> false) or started again to take messages; called
    /// once per change, under a session's lock, so an engine logs the condition once rather than per message.</summary>
    public delegate void StoreConditionHandler(bool writable);
}
