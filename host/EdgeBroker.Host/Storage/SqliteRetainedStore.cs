using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Storage;

/// <summary>Retained messages in SQLite, kept in step with MQTTnet's retained-message manager through its load and
/// change events.</summary>
public sealed class SqliteRetainedStore(SqliteDatabase database)
{
    public List<MqttApplicationMessage> LoadAll()
    {
        var messages = new List<MqttApplicationMessage>();
        lock (database.Sync)
        {
            using var command = database.Command("SELECT topic, payload, qos, properties, expiry_interval FROM retained_messages");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var message = reader.IsDBNull(3) ? new MqttApplicationMessage() : MessageProperties.Decode((byte[])reader["properties"]);
                message.Topic = reader.GetString(0);
                message.PayloadSegment = new ArraySegment<byte>((byte[])reader["payload"]);
                message.QualityOfServiceLevel = (MqttQualityOfServiceLevel)reader.GetInt32(2);
                message.MessageExpiryInterval = (uint)reader.GetInt64(4);
                message.Retain = true;
                messages.Add(message);
            }
        }

        return messages;
    }

    /// <summary>Stores the topic's new retained message, or deletes it when the payload is empty ([MQTT-3.3.1-10]).</summary>
    public void Apply(MqttApplicationMessage message)
    {
        lock (database.Sync)
        {
            if (message.Payload.IsEmpty)
            {
                using var delete = database.Command("DELETE FROM retained_messages WHERE topic = $topic");
                delete.Parameters.AddWithValue("$topic", message.Topic);
                delete.ExecuteNonQuery();
                return;
            }

            using var command = database.Command(
                """
                INSERT INTO retained_messages (topic, payload, qos, properties, expiry_interval) VALUES ($topic, $payload, $qos, $properties, $expiry)
                ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos, properties = excluded.properties,
                    expiry_interval = excluded.expiry_interval
                """);
            command.Parameters.AddWithValue("$topic", message.Topic);
            command.Parameters.AddWithValue("$payload", message.Payload.ToArray());
            command.Parameters.AddWithValue("$qos", (int)message.QualityOfServiceLevel);
            command.Parameters.AddWithValue("$properties", (object?)MessageProperties.Encode(message) ?? DBNull.Value);
            command.Parameters.AddWithValue("$expiry", (long)message.MessageExpiryInterval);
            command.ExecuteNonQuery();
        }
    }
}
