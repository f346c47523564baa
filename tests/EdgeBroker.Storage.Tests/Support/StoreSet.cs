using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Host.Storage;

namespace EdgeBroker.Storage.Tests.Support;

/// <summary>One implementation's offline and session stores, open on a directory; disposing closes them (the files
/// stay, so the durable ones can be opened again).</summary>
public interface IStoreSet : IDisposable
{
    IOfflineStore Offline { get; }

    ISessionStore Sessions { get; }
}

public sealed class MemoryStoreSet(OfflineLimits limits) : IStoreSet
{
    public IOfflineStore Offline { get; } = new MemoryOfflineStore(limits);

    public ISessionStore Sessions { get; } = new MemorySessionStore();

    public void Dispose()
    {
    }
}

public sealed class SqliteStoreSet : IStoreSet
{
    readonly SqliteDatabase _database;

    /// <param name="copyBytes">The offline store's budget for in-memory copies (<see cref="OfflineCopies"/>); 0 reads
    /// SQLite only.</param>
    public SqliteStoreSet(string directory, OfflineLimits limits, long copyBytes = 0)
    {
        _database = SqliteDatabase.Open(directory);
        Offline = new SqliteOfflineStore(_database, limits, copyBytes);
        Sessions = new SqliteSessionStore(_database);
    }

    public IOfflineStore Offline { get; }

    public ISessionStore Sessions { get; }

    public void Dispose() => _database.Dispose();
}

public sealed class FlashStoreSet(FlashStore store) : IStoreSet
{
    public FlashStore Store { get; } = store;

    public IOfflineStore Offline => Store.Offline;

    public ISessionStore Sessions => Store.Sessions;

    public void Dispose() => Store.Dispose();
}
