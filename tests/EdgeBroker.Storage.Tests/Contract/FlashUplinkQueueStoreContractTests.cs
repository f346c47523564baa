using System.Collections;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Storage.Tests.Contract;

/// <summary>The firmware's flash log as an uplink queue, with the device's default log limits.</summary>
public sealed class FlashUplinkQueueStoreContractTests : DurableUplinkQueueStoreContract
{
    protected override IUplinkQueueStore Open(string directory) =>
        new ClosableQueue(FlashStore.Open(directory, new FlashStoreLimits { MaxLogBytes = 4 * 1024 * 1024 }, new OfflineLimits()));

    /// <summary>The flash store's uplink queue, closed with the store (the contract closes what it opened).</summary>
    sealed class ClosableQueue(FlashStore store) : IUplinkQueueStore, IDisposable
    {
        readonly IUplinkQueueStore _queue = store.UplinkQueue;

        public long Append(string uplink, UplinkEntry entry) => _queue.Append(uplink, entry);

        public int Read(string uplink, long afterSequence, int max, ArrayList into) => _queue.Read(uplink, afterSequence, max, into);

        public void Remove(string uplink, long sequence) => _queue.Remove(uplink, sequence);

        public long RemoveOldest(string uplink, long afterSequence) => _queue.RemoveOldest(uplink, afterSequence);

        public int Count(string uplink) => _queue.Count(uplink);

        public long Bytes(string uplink) => _queue.Bytes(uplink);

        public long OldestEnqueuedAtMs(string uplink) => _queue.OldestEnqueuedAtMs(uplink);

        public void Dispose() => store.Dispose();
    }
}
