using EdgeBroker.Core;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Uplink;
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
    public void A_version_1_database_is_migrated_to_version_9_and_keeps_its_sessions_and_messages()
    {
        WriteVersion1Database();

        using var database = SqliteDatabase.Open(_directory.Path);

        Assert.Equal(9L, database.Scalar("PRAGMA user_version;"));
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

    [Fact]
    public void An_uplink_entry_queued_by_version_5_reads_as_no_P2P_message_to_address_and_new_ones_keep_their_hop_count()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            using var queue = new SqliteUplinkQueueStore(database);
            Assert.True(queue.Append("cloud", new EdgeBroker.Core.Uplink.UplinkEntry("plant/p2p/old", [1], 1, false, "id-old", Now)) > 0);
        }

        // Version 5's uplink queue: without the column version 6 added.
        Downgrade("ALTER TABLE uplink_queue DROP COLUMN property_bytes; ALTER TABLE uplink_queue DROP COLUMN p2p_hops; ALTER TABLE retained_messages DROP COLUMN published_at_ms; ALTER TABLE offline_messages DROP COLUMN property_bytes; PRAGMA user_version = 5;");

        using var reopened = SqliteDatabase.Open(_directory.Path);
        Assert.Equal(9L, reopened.Scalar("PRAGMA user_version;"));
        using var uplinkQueue = new SqliteUplinkQueueStore(reopened);
        var entry = new EdgeBroker.Core.Uplink.UplinkEntry("plant/p2p/new", [2], 1, false, "id-new", Now) { P2PHops = 2 };
        Assert.True(uplinkQueue.Append("cloud", entry) > 0);
        var read = new System.Collections.ArrayList();
        uplinkQueue.Read("cloud", 0, 10, read);
        Assert.Equal([("plant/p2p/old", EdgeBroker.Core.Uplink.UplinkEntry.NotP2P), ("plant/p2p/new", 2)],
            read.Cast<EdgeBroker.Core.Uplink.UplinkEntry>().Select(e => (e.RemoteTopic, e.P2PHops)));
    }

    [Fact]
    public void A_retained_message_kept_by_version_6_lives_from_the_upgrade_and_new_ones_keep_their_publication_time()
    {
        var published = Clock.NowMs() - 60_000;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var store = new SqliteRetainedStore(database);
            Assert.True(store.SaveRetained(Retained("status/old", published)));
        }

        // Version 6's retained messages: without the publication time version 7 added.
        Downgrade("ALTER TABLE uplink_queue DROP COLUMN property_bytes; ALTER TABLE retained_messages DROP COLUMN published_at_ms; ALTER TABLE offline_messages DROP COLUMN property_bytes; PRAGMA user_version = 6;");

        var beforeUpgrade = Clock.NowMs();
        using (var upgraded = SqliteDatabase.Open(_directory.Path))
        {
            Assert.Equal(9L, upgraded.Scalar("PRAGMA user_version;"));
            var store = new SqliteRetainedStore(upgraded);
            var old = Assert.Single(store.LoadRetained().Cast<RoutedMessage>());
            Assert.InRange(old.PublishedAtMs, beforeUpgrade - 1_000, Clock.NowMs() + 1_000);
            Assert.True(store.SaveRetained(Retained("status/new", published)));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var kept = new SqliteRetainedStore(reopened).LoadRetained().Cast<RoutedMessage>().Single(message => message.Topic == "status/new");
        Assert.Equal(published, kept.PublishedAtMs);
        Assert.Equal(30u, kept.MessageExpiryInterval);
    }

    [Fact]
    public void An_offline_message_kept_by_version_7_counts_its_stored_properties_against_the_quota()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, new());
            var message = Message("t/x", "p");
            MessageProperties.Attach(message, new MQTTnet.MqttApplicationMessage
            {
                UserProperties = Enumerable.Range(0, 20).Select(_ => new MQTTnet.Packets.MqttUserProperty("a", "b"u8.ToArray())).ToList(),
            });
            offline.Append("dev", message, 1, false, null, NeverExpires);
            Assert.True(offline.Commit());
        }

        long storedJson;
        // Version 7's offline messages: without what version 8 counts of their properties.
        Downgrade("ALTER TABLE uplink_queue DROP COLUMN property_bytes; ALTER TABLE offline_messages DROP COLUMN property_bytes; PRAGMA user_version = 7;");
        using (var connection = OpenFile())
        {
            using var length = connection.CreateCommand();
            length.CommandText = "SELECT LENGTH(properties) FROM offline_messages";
            storedJson = (long)length.ExecuteScalar()!;
        }

        // The estimate is at least what the message counts now: 20 × (2 + 112) bytes.
        using var upgraded = SqliteDatabase.Open(_directory.Path);
        var expected = storedJson + 20 * MessageFootprint.PerUserPropertyBytes;
        Assert.True(expected >= MessageFootprint.OfProperties(40, 20));
        var quota = new SqliteOfflineStore(upgraded, new() { MaxBytesPerClient = 3 + 1 + expected + 3 + 1 });
        Assert.Equal(expected, Assert.Single(quota.ReadAll("dev")).Message.EngineProperties!.FootprintBytes);
        Assert.True(quota.Append("dev", "q") > 0);
        Assert.Equal(AppendResult.QuotaFull, quota.Append("dev", "r"));
    }

    [Fact]
    public void An_uplink_entry_queued_by_version_8_counts_no_properties_as_its_stored_size_did()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            using var queue = new SqliteUplinkQueueStore(database);
            Assert.True(queue.Append("cloud", new UplinkEntry("t/old", [1], 1, false, "id-old", Now, TraceProperties())) > 0);
        }

        // Version 8's uplink queue: without the properties' count, and a size of topic, payload and overhead only.
        Downgrade("ALTER TABLE uplink_queue DROP COLUMN property_bytes; UPDATE uplink_queue SET size = 32 + LENGTH(topic) + LENGTH(payload); PRAGMA user_version = 8;");

        using var upgraded = SqliteDatabase.Open(_directory.Path);
        Assert.Equal(9L, upgraded.Scalar("PRAGMA user_version;"));
        using var uplinkQueue = new SqliteUplinkQueueStore(upgraded);
        var old = UplinkEntry.SizeOf("t/old", 1, null);
        Assert.Equal(old, uplinkQueue.Bytes("cloud"));
        var read = new System.Collections.ArrayList();
        uplinkQueue.Read("cloud", 0, 10, read);
        var entry = Assert.IsType<UplinkEntry>(Assert.Single(read));
        Assert.Equal(old, entry.Size);
        Assert.Equal("trace", Assert.Single(Mqtt5Properties.Of(entry.EngineProperties)!.UserProperties).Name);

        // Let go as it was counted: the queue is empty again, not below.
        uplinkQueue.Remove("cloud", entry.Sequence);
        Assert.Equal(0, uplinkQueue.Bytes("cloud"));
    }

    static Mqtt5Properties TraceProperties()
    {
        var message = new MQTTnet.MqttApplicationMessage { UserProperties = [new MQTTnet.Packets.MqttUserProperty("trace", new byte[500])] };
        return new Mqtt5Properties(message, MessageProperties.Footprint(message));
    }

    static RoutedMessage Retained(string topic, long publishedAtMs) =>
        new(topic, [1, 2], 1, retain: true) { PublishedAtMs = publishedAtMs, MessageExpiryInterval = 30 };

    public void Dispose() => _directory.Dispose();

    /// <summary>A database as version 1 left it: its tables, its user_version, a session and two messages. Made by
    /// the current code with the tables and columns of versions 2 to 9 dropped again and the offline messages' table rebuilt as
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

        Downgrade(
            """
            DROP TABLE devices; DROP TABLE tokens; DROP TABLE uplink_queue; DROP TABLE uplink_dedupe; DROP TABLE offline_ids;
            DROP TABLE offline_acknowledged; ALTER TABLE retained_messages DROP COLUMN published_at_ms;
            CREATE TABLE offline_messages_v1 (
                id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
                qos INTEGER NOT NULL, retain INTEGER NOT NULL, subscription_ids TEXT, properties BLOB, sender_client_id TEXT,
                published_at_ms INTEGER NOT NULL, expiry_interval INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL);
            INSERT INTO offline_messages_v1 SELECT id, client_id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id,
                                                   published_at_ms, expiry_interval, expires_at_ms FROM offline_messages;
            DROP TABLE offline_messages;
            ALTER TABLE offline_messages_v1 RENAME TO offline_messages;
            CREATE INDEX offline_messages_by_client ON offline_messages (client_id, id);
            PRAGMA user_version = 1;
            """);
    }

    /// <summary>Runs <paramref name="sql"/> on the closed database file, outside the store: turns it back into what an
    /// earlier version left.</summary>
    void Downgrade(string sql)
    {
        using var connection = OpenFile();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    SqliteConnection OpenFile()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
