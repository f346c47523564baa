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
    public void A_version_1_database_is_migrated_to_version_5_and_keeps_its_sessions_and_messages()
    {
        WriteVersion1Database();

        using var database = SqliteDatabase.Open(_directory.Path);

        Assert.Equal(5L, Scalar(database, "PRAGMA user_version;"));
        var offline = new SqliteOfflineStore(database, new());
        var kept = offline.ReadAll("GID_s@@@dev");
        Assert.Equal(["kept 1", "kept 2"], kept.Payloads());
        Assert.True(offline.Append("GID_s@@@dev", "new") > kept[^1].Id);
        Assert.True(offline.Commit());
        Assert.Equal("GID_s@@@dev", Assert.Single(new SqliteSessionStore(database).LoadSessions().Cast<EdgeBroker.Core.Sessions.SessionRecord>()).ClientId);
        var devices = new SqliteDeviceStore(database);
        devices.SaveDevice(new DeviceRecord("GID_s@@@new", "GID_s", "new", [1], [2], false, Now));
        Assert.NotNull(devices.FindDevice("GID_s@@@new"));
        using var uplinkQueue = new SqliteUplinkQueueStore(database);
        Assert.True(uplinkQueue.Append("cloud", new EdgeBroker.Core.Uplink.UplinkEntry("t", [1], 1, false, "id", Now)) > 0);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>A database as version 1 left it: its tables, its user_version, a session and two messages. Made by
    /// the current code with the tables of versions 2 to 5 dropped again and the offline messages' table rebuilt as
    /// version 1 made it (with AUTOINCREMENT, which version 4 dropped) — migrations are append-only, so that is exactly
    /// version 1's schema.</summary>
    void WriteVersion1Database()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            new SqliteSessionStore(database).SaveSession("GID_s@@@dev", 3600, Now);
            var offline = new SqliteOfflineStore(database, new());
            offline.Append("GID_s@@@dev", "kept 1");
            offline.Append("GID_s@@@dev", "kept 2");
            Assert.True(offline.Commit());
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        using var downgrade = connection.CreateCommand();
        downgrade.CommandText =
            """
            DROP TABLE devices; DROP TABLE tokens; DROP TABLE uplink_queue; DROP TABLE uplink_dedupe; DROP TABLE offline_ids;
            DROP TABLE offline_acknowledged;
            CREATE TABLE offline_messages_v1 (
                id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
                qos INTEGER NOT NULL, retain INTEGER NOT NULL, subscription_ids TEXT, properties BLOB, sender_client_id TEXT,
                published_at_ms INTEGER NOT NULL, expiry_interval INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL);
            INSERT INTO offline_messages_v1 SELECT * FROM offline_messages;
            DROP TABLE offline_messages;
            ALTER TABLE offline_messages_v1 RENAME TO offline_messages;
            CREATE INDEX offline_messages_by_client ON offline_messages (client_id, id);
            PRAGMA user_version = 1;
            """;
        downgrade.ExecuteNonQuery();
    }

    static long Scalar(SqliteDatabase database, string sql)
    {
        using var command = database.Command(sql);
        return (long)command.ExecuteScalar()!;
    }
}
