using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>The host's SQLite offline store (WAL, one transaction per change), as the broker opens it.</summary>
public class SqliteStoreBenchmarks : StoreBenchmarks
{
    SqliteDatabase? _database;

    protected override IOfflineStore Open(string directory)
    {
        _database = SqliteDatabase.Open(directory);
        return new SqliteOfflineStore(_database, Limits);
    }

    protected override void Close()
    {
        _database?.Dispose();
        _database = null;
    }
}
