namespace EdgeBroker.Firmware.Storage
{
    /// <summary>One uplink's queue in the flash log: the index of its entries (<see cref="MessageQueue"/>: sequence,
    /// where the entry lies, its size, the bytes it counts against the queue's bound, when it was queued) and the last
    /// sequence ever issued, which outlives the entries so a sequence — and the dedupe id made from it — is never
    /// issued twice.</summary>
    internal sealed class StoredUplink
    {
        public StoredUplink(string name)
        {
            Name = name;
            Entries = new MessageQueue(name);
        }

        public string Name { get; private set; }

        public MessageQueue Entries { get; private set; }

        public long LastSequence { get; set; }
    }
}
