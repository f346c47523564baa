using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Contract;

/// <summary>
/// What the core relies on from every offline and session store, run against each implementation (the memory store is
/// the reference). The stores are opened on first use, so a test can set <see cref="Limits"/> first.
/// </summary>
public abstract partial class StoreContractTests : IDisposable
{
    IStoreSet? _stores;

    protected TempDirectory Directory { get; } = new();

    protected OfflineLimits Limits { get; } = new() { MaxMessagesPerClient = 100, MaxBytesPerClient = 100_000 };

    protected IOfflineStore Offline => Stores.Offline;

    protected ISessionStore Sessions => Stores.Sessions;

    protected IStoreSet Stores => _stores ??= Open();

    /// <summary>Opens the implementation under test on <see cref="Directory"/> with <see cref="Limits"/>.</summary>
    protected abstract IStoreSet Open();

    /// <summary>Closes the stores; the next use opens them again on the same directory.</summary>
    protected void Close()
    {
        _stores?.Dispose();
        _stores = null;
    }

    public void Dispose()
    {
        Close();
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }
}
