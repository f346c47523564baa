namespace EdgeBroker.Core.Offline
{
    /// <summary>
    /// Messages a store took (<see cref="IOfflineStore.Append"/>) and is committing while the caller goes on
    /// (<see cref="IOfflineStore.CommitLater"/>). The engine holds the publisher's acknowledgement until it is settled and
    /// then asks the core what to answer (<see cref="BrokerCore.Settled"/>), so a publisher is still acknowledged only
    /// once its message is durable, while the connection's next PUBLISH is read and routed meanwhile: that is what lets
    /// a store commit many messages of one publisher in one transaction. How an engine waits for it is the store's
    /// business (the host's SQLite store gives it a task).
    /// </summary>
    public abstract class PendingCommit
    {
        /// <summary>The commit holding the messages has ended, committed or failed.</summary>
        public abstract bool IsSettled { get; }

        /// <summary>Once settled: whether every message is durable. False when the store could not write them: they are
        /// not kept, and the publisher must send them again.</summary>
        public abstract bool Committed { get; }
    }
}
