using System.Collections;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The MQTT 5 properties of an offline message or an uplink entry survive the SQLite store across a restart,
/// counted as they were kept, and a message that had none reads back with none (no properties object the engine would
/// have to look through).</summary>
public sealed class StoredPropertiesTests : IDisposable
{
    readonly TempDirectory _directory = new();

    [Fact]
    public void A_message_keeps_its_MQTT_5_properties_and_one_without_reads_back_without()
    {
        var limits = new OfflineLimits();
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, limits);
            var withProperties = Message("app/p2p/dev", "with");
            MessageProperties.Attach(withProperties, new MqttApplicationMessage
            {
                ContentType = "application/json",
                ResponseTopic = "app/p2p/backend",
                CorrelationData = [1, 2, 3],
                PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
                UserProperties = [new MqttUserProperty("trace", "42"u8.ToArray())],
            });
            offline.Append("dev", withProperties, 1, false, null, NeverExpires);
            offline.Append("dev", Message("app/p2p/dev", "without"), 1, false, null, NeverExpires);
            Assert.True(offline.Commit());
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var read = new SqliteOfflineStore(reopened, limits).ReadAll("dev");

        Assert.Equal(["with", "without"], read.Payloads());
        var properties = Assert.IsType<Mqtt5Properties>(read[0].Message.EngineProperties).Message;
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal("app/p2p/backend", properties.ResponseTopic);
        Assert.Equal([1, 2, 3], properties.CorrelationData);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, properties.PayloadFormatIndicator);
        var userProperty = Assert.Single(properties.UserProperties);
        Assert.Equal(("trace", "42"), (userProperty.Name, userProperty.ReadValueAsString()));
        Assert.Null(read[1].Message.EngineProperties);
    }

    [Fact]
    public void What_a_messages_properties_count_holds_its_quota_and_is_counted_again_after_a_restart()
    {
        var limits = new OfflineLimits { MaxBytesPerClient = 10_000 };
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, limits);
            Assert.True(offline.Append("dev", Heavy(), 1, false, null, NeverExpires) > 0);
            Assert.Equal(AppendResult.QuotaFull, offline.Append("dev", Heavy(), 1, false, null, NeverExpires));
            Assert.True(offline.Commit());
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, limits);
        Assert.Equal(AppendResult.QuotaFull, store.Append("dev", Heavy(), 1, false, null, NeverExpires));
        var kept = Assert.Single(store.ReadAll("dev"));
        Assert.Equal(6000, kept.Message.EngineProperties!.FootprintBytes);

        // Acknowledged, it gives back what it counted: the same again fits.
        store.Remove("dev", kept.Id);
        Assert.True(store.Append("dev", Heavy(), 1, false, null, NeverExpires) > 0);

        static Core.Routing.RoutedMessage Heavy()
        {
            var message = Message("t/x", "p");
            message.EngineProperties = new Mqtt5Properties(new MqttApplicationMessage { ContentType = "text/plain" }, 6000);
            return message;
        }
    }

    [Fact]
    public void An_uplink_entry_counts_its_properties_and_is_let_go_as_counted_after_a_restart()
    {
        var message = new MqttApplicationMessage { UserProperties = [new MqttUserProperty("trace", new byte[1000])] };
        var properties = new Mqtt5Properties(message, MessageProperties.Footprint(message));
        var size = UplinkEntry.SizeOf("site/t", 1, properties);
        Assert.Equal(UplinkEntry.Overhead + 6 + 1 + 5 + 1000 + MessageFootprint.PerUserPropertyBytes, size);
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            using var queue = new SqliteUplinkQueueStore(database);
            Assert.True(queue.Append("cloud", new UplinkEntry("site/t", [1], 1, false, "id-1", Now, properties)) > 0);
            Assert.Equal(size, queue.Bytes("cloud"));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        using var restarted = new SqliteUplinkQueueStore(reopened);
        Assert.Equal(size, restarted.Bytes("cloud"));
        var read = new ArrayList();
        restarted.Read("cloud", 0, 10, read);
        var entry = Assert.IsType<UplinkEntry>(Assert.Single(read));
        Assert.Equal(size, entry.Size);
        Assert.Equal(1000, Assert.Single(Mqtt5Properties.Of(entry.EngineProperties)!.UserProperties).ValueBuffer.Length);

        restarted.Remove("cloud", entry.Sequence);
        Assert.Equal(0, restarted.Bytes("cloud"));
    }

    public void Dispose() => _directory.Dispose();
}
