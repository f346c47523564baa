using System.Collections;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Host.Storage;

/// <summary>The core's retained messages (<see cref="RetainedMessages"/>) in SQLite, with their MQTT 5 properties
/// (<see cref="MessageProperties"/>) and when each was published, from which its expiry interval runs.</summary>
public sealed class SqliteRetainedStore(SqliteDatabase database) : IRetainedStore
{
    public ArrayList LoadRetained()
    {
        var messages = new ArrayList();
        lock (database.Sync)
        {
            using var command = database.Command("SELECT topic, payload, qos, properties, expiry_interval, published_at_ms FROM retained_messages");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var message = new RoutedMessage(reader.GetString(0), (byte[])reader["payload"], reader.GetInt32(2), retain: true)
                {
                    MessageExpiryInterval = (uint)reader.GetInt64(4),
                    // Its expiry interval runs from its publication, not from this start [MQTT-3.3.2-5].
                    PublishedAtMs = reader.GetInt64(5),
                };
                // Counted against MaxRetainedBytes as when it was kept.
                MessageProperties.Attach(message, reader.IsDBNull(3) ? null : MessageProperties.Decode((byte[])reader["properties"]));
                messages.Add(message);
            }
        }

        return messages;
    }

    /// <summary>Stores the topic's new retained message (the core clears a topic with <see cref="DeleteRetained"/>);
    /// false when the database cannot write (disk or its size limit full), and the message is then not retained.</summary>
    public bool SaveRetained(RoutedMessage message)
    {
        try
        {
            Save(message);
            return true;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false;
        }
    }

    void Save(RoutedMessage message)
    {
        lock (database.Sync)
        {
            using var command = database.Command(
                """
                INSERT INTO retained_messages (topic, payload, qos, properties, expiry_interval, published_at_ms)
                VALUES ($topic, $payload, $qos, $properties, $expiry, $published)
                ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos, properties = excluded.properties,
                    expiry_interval = excluded.expiry_interval, published_at_ms = excluded.published_at_ms
                """);
            command.Parameters.AddWithValue("$topic", message.Topic);
            command.Parameters.AddWithValue("$payload", message.Payload.AsSpan(message.PayloadOffset, message.PayloadLength).ToArray());
            command.Parameters.AddWithValue("$qos", message.Qos);
            command.Parameters.AddWithValue("$properties", (object?)MessageProperties.Encode(Mqtt5Properties.Of(message.EngineProperties)) ?? DBNull.Value);
            command.Parameters.AddWithValue("$expiry", (long)message.MessageExpiryInterval);
            command.Parameters.AddWithValue("$published", message.PublishedAtMs);
            command.ExecuteNonQuery();
        }
    }

    public void DeleteRetained(string topic)
    {
        lock (database.Sync)
        {
            using var delete = database.Command("DELETE FROM retained_messages WHERE topic = $topic");
            delete.Parameters.AddWithValue("$topic", topic);
            delete.ExecuteNonQuery();
        }
    }
}
