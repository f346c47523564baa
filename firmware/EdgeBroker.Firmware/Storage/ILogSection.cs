namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// One store's share of the log: the entry kinds it writes, the bytes of its entries that are still live, how its
    /// entries are applied when the log is replayed at start, and how its live state is rewritten by a compaction.
    /// The log, its recovery and its compaction treat every store alike through this.
    /// </summary>
    internal interface ILogSection
    {
        /// <summary>Whether entries of <paramref name="kind"/> are this store's.</summary>
        bool Owns(RecordKind kind);

        /// <summary>Bytes the store's live entries would take after a compaction.</summary>
        int LiveBytes { get; }

        /// <summary>Applies an entry found in the log at start; its head is in <paramref name="reader"/> and it lies at
        /// <paramref name="offset"/>.</summary>
        void Replay(RecordReader reader, int offset);

        /// <summary>Writes the store's live entries into the compaction's new log.</summary>
        void WriteLive(LogCompactor compaction);

        /// <summary>The compaction's log replaced the old one: entries the store finds by offset are now where
        /// <see cref="WriteLive"/> put them.</summary>
        void CommitRelocation();
    }
}
