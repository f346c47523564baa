using EdgeBroker.Host.Storage;

namespace EdgeBroker.Storage.Tests.Support;

/// <summary>What the SQLite tests read straight from the database, under its lock as the store's own reads are.</summary>
public static class DatabaseQueries
{
    /// <summary>The one number <paramref name="sql"/> selects.</summary>
    public static long Scalar(this SqliteDatabase database, string sql)
    {
        lock (database.Sync)
        {
            using var command = database.Command(sql);
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>The offline messages' rows, acknowledged ones not yet deleted included.</summary>
    public static long OfflineRows(this SqliteDatabase database) => database.Scalar("SELECT COUNT(*) FROM offline_messages");
}
