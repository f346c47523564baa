using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Contract;

/// <summary>The reference: the core's heap stores (not durable).</summary>
public sealed class MemoryStoreContractTests : StoreContractTests
{
    protected override IStoreSet Open() => new MemoryStoreSet(Limits);
}

/// <summary>The host's SQLite stores.</summary>
public sealed class SqliteStoreContractTests : DurableStoreContractTests
{
    protected override IStoreSet Open() => new SqliteStoreSet(Directory.Path, Limits);
}

/// <summary>The host's SQLite stores with in-memory copies of the offline messages (<see cref="Host.Storage.OfflineCopies"/>),
/// as the broker runs them: reads before a reopen come from the copies, after it from SQLite.</summary>
public sealed class SqliteCopiedStoreContractTests : DurableStoreContractTests
{
    protected override IStoreSet Open() => new SqliteStoreSet(Directory.Path, Limits, copyBytes: 1024 * 1024);
}

/// <summary>The firmware's flash log, with the device's default limits.</summary>
public sealed class FlashStoreContractTests : DurableStoreContractTests
{
    protected override IStoreSet Open() => new FlashStoreSet(FlashStore.Open(Directory.Path, new FlashStoreLimits(), Limits));
}
