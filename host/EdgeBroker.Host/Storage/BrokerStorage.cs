using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Configuration;

namespace EdgeBroker.Host.Storage;

/// <summary>What the broker keeps — sessions, offline and retained messages, paired devices and issued tokens — as
/// configured: SQLite in the data directory (the default) or memory only.</summary>
public sealed class BrokerStorage : IDisposable
{
    readonly SqliteDatabase? _database;
    readonly DataDirectoryLock? _directoryLock;

    BrokerStorage(IOfflineStore offline, ISessionStore sessions, SqliteRetainedStore? retained, IDeviceStore devices, ITokenStore tokens,
        IUplinkQueueStore uplinkQueue, SqliteDatabase? database, DataDirectoryLock? directoryLock, string description)
    {
        UplinkQueue = uplinkQueue;
        Offline = offline;
        Sessions = sessions;
        Retained = retained;
        Devices = devices;
        Tokens = tokens;
        _database = database;
        _directoryLock = directoryLock;
        Description = description;
    }

    public IOfflineStore Offline { get; }

    public ISessionStore Sessions { get; }

    /// <summary>Null when retained messages live in memory only (the core keeps them on the heap).</summary>
    public SqliteRetainedStore? Retained { get; }

    public IDeviceStore Devices { get; }

    public ITokenStore Tokens { get; }

    /// <summary>The uplinks' queues, in the same database as the offline messages.</summary>
    public IUplinkQueueStore UplinkQueue { get; }

    /// <summary>Dedupe ids accepted from gateways' uplinks (null in memory-only mode: kept in the window only).</summary>
    public SqliteDedupeLog? DedupeLog { get; private init; }

    /// <summary>How many dedupe ids of gateways' uplinks are remembered (see <see cref="DedupeWindow"/>).</summary>
    public const int DedupeCapacity = 100_000;

    /// <summary>The SQLite store's group commit; null in memory-only mode.</summary>
    public GroupCommit? Writes => _database?.Writes;

    /// <summary>For the start-up log line.</summary>
    public string Description { get; }

    /// <summary>Throws <see cref="StoreUnavailableException"/> when the data directory or its database cannot be used, or
    /// another broker holds the directory (<see cref="DataDirectoryLock"/>); memory-only storage holds no directory.</summary>
    public static BrokerStorage Open(BrokerOptions options, OfflineLimits limits)
    {
        if (options.Storage == StorageKind.Memory)
        {
            return new BrokerStorage(new MemoryOfflineStore(limits), new MemorySessionStore(), null, new MemoryDeviceStore(), new MemoryTokenStore(),
                new MemoryUplinkQueueStore(), null, null, "memory only: sessions, offline and retained messages, paired devices and tokens are lost when the broker stops");
        }

        // Held before the database opens, so a second broker does not even run the schema migration on it.
        if (!DataDirectoryLock.TryTake(options.DataDir, out var directoryLock, out var problem))
        {
            throw new StoreUnavailableException(problem);
        }

        SqliteDatabase database;
        try
        {
            database = SqliteDatabase.Open(options.DataDir, options.MaxDatabaseBytes, options.SqliteSynchronous);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }

        return new BrokerStorage(new SqliteOfflineStore(database, limits, options.OfflineCopyBytes), new SqliteSessionStore(database), new SqliteRetainedStore(database),
            new SqliteDeviceStore(database), new SqliteTokenStore(database), new SqliteUplinkQueueStore(database), database, directoryLock, $"SQLite {database.Path}")
        {
            DedupeLog = new SqliteDedupeLog(database, DedupeCapacity),
        };
    }

    public void Dispose()
    {
        (Offline as IDisposable)?.Dispose();
        (UplinkQueue as IDisposable)?.Dispose();
        DedupeLog?.Dispose();
        _database?.Dispose();
        _directoryLock?.Dispose();
    }
}
