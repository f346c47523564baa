using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The MQTT 5 properties of an offline message survive the SQLite store across a restart, and a message that
/// had none reads back with none (no properties object the engine would have to look through).</summary>
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
            withProperties.EngineProperties = new MqttApplicationMessage
            {
                ContentType = "application/json",
                ResponseTopic = "app/p2p/backend",
                CorrelationData = [1, 2, 3],
                PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
                UserProperties = [new MqttUserProperty("trace", "42"u8.ToArray())],
            };
            offline.Append("dev", withProperties, 1, false, null, NeverExpires);
            offline.Append("dev", Message("app/p2p/dev", "without"), 1, false, null, NeverExpires);
            Assert.True(offline.Commit());
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var read = new SqliteOfflineStore(reopened, limits).ReadAll("dev");

        Assert.Equal(["with", "without"], read.Payloads());
        var properties = Assert.IsType<MqttApplicationMessage>(read[0].Message.EngineProperties);
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
        Assert.Equal(6000, kept.Message.PropertyBytes);

        // Acknowledged, it gives back what it counted: the same again fits.
        store.Remove("dev", kept.Id);
        Assert.True(store.Append("dev", Heavy(), 1, false, null, NeverExpires) > 0);

        static Core.Routing.RoutedMessage Heavy()
        {
            var message = Message("t/x", "p");
            message.PropertyBytes = 6000;
            return message;
        }
    }

    public void Dispose() => _directory.Dispose();
}
