using EdgeBroker.Core.Offline;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>The firmware's flash log store with the device's default log bound (64 KB), on the PC's disk.</summary>
public class FlashStoreBenchmarks : StoreBenchmarks
{
    FlashStore? _store;

    protected override IOfflineStore Open(string directory)
    {
        _store = FlashStore.Open(directory, new FlashStoreLimits(), Limits);
        return _store.Offline;
    }

    protected override void Close()
    {
        _store?.Dispose();
        _store = null;
    }
}
