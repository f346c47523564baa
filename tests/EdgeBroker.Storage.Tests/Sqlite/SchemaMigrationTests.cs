using EdgeBroker.Core.Security;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using Microsoft.Data.Sqlite;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>A database written by an earlier version opens, is migrated in place, and keeps everything it held.</summary>
public sealed class SchemaMigrationTests : IDisposable
{
    readonly TempDirectory _directory = new();

    string DatabasePath => _directory.File(SqliteDatabase.FileName);

    [Fact]
    public void A_version_1_database_is_migrated_to_version_3_and_keeps_its_sessions_and_messages()
    {
        WriteVersion1Database();

        using var database = SqliteDatabase.Open(_directory.Path);

        Assert.Equal(3L, Scalar(database, "PRAGMA user_version;"));
        Assert.Equal(["kept 1", "kept 2"], new SqliteOfflineStore(database, new()).ReadAll("GID_s@@@dev").Payloads());
        Assert.Equal("GID_s@@@dev", Assert.Single(new SqliteSessionStore(database).LoadSessions().Cast<EdgeBroker.Core.Sessions.SessionRecord>()).ClientId);
        var devices = new SqliteDeviceStore(database);
        devices.SaveDevice(new DeviceRecord("GID_s@@@new", "GID_s", "new", [1], [2], false, Now));
        Assert.NotNull(devices.FindDevice("GID_s@@@new"));
        using var uplinkQueue = new SqliteUplinkQueueStore(database);
        Assert.True(uplinkQueue.Append("cloud", new EdgeBroker.Core.Uplink.UplinkEntry("t", [1], 1, false, "id", Now)) > 0);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>A database as version 1 left it: its tables, its user_version, a session and two messages. Made by
    /// the current code with the tables of versions 2 and 3 dropped again — migrations are append-only, so that is
    /// exactly version 1's schema.</summary>
    void WriteVersion1Database()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            new SqliteSessionStore(database).SaveSession("GID_s@@@dev", 3600, Now);
            var offline = new SqliteOfflineStore(database, new());
            offline.Append("GID_s@@@dev", "kept 1");
            offline.Append("GID_s@@@dev", "kept 2");
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var downgrade = connection.CreateCommand();
        downgrade.CommandText = "DROP TABLE devices; DROP TABLE tokens; DROP TABLE uplink_queue; DROP TABLE uplink_dedupe; PRAGMA user_version = 1;";
        downgrade.ExecuteNonQuery();
    }

    static long Scalar(SqliteDatabase database, string sql)
    {
        using var command = database.Command(sql);
        return (long)command.ExecuteScalar()!;
    }
}
