using System.Collections;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using Microsoft.Data.Sqlite;
using MQTTnet;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// Offline messages in SQLite. <see cref="Append"/> commits before it returns, so the publisher's PUBACK (sent after
/// routing) always follows a durable write. Per-client counts and sizes are cached in memory for the quota check. When
/// SQLite cannot write (disk or <c>MaxDatabaseBytes</c> full) <see cref="Append"/> keeps nothing and says so
/// (<see cref="AppendResult.StoreUnavailable"/>); the core refuses the PUBLISH and the next append tries again.
/// </summary>
public sealed class SqliteOfflineStore : IOfflineStore
{
    readonly SqliteDatabase _database;
    readonly OfflineLimits _limits;
    readonly Dictionary<string, ClientUsage> _usage = new();

    public SqliteOfflineStore(SqliteDatabase database, OfflineLimits limits)
    {
        _database = database;
        _limits = limits;
        using var command = _database.Command("SELECT client_id, COUNT(*), SUM(LENGTH(payload) + LENGTH(topic)) FROM offline_messages GROUP BY client_id");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            _usage[reader.GetString(0)] = new ClientUsage { Count = reader.GetInt32(1), Bytes = reader.GetInt64(2) };
        }
    }

    public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long expiresAtMs)
    {
        var size = MemoryOfflineStore.SizeOf(message);
        lock (_database.Sync)
        {
            var usage = UsageOf(clientId);
            if (usage.Count >= _limits.MaxMessagesPerClient || usage.Bytes + size > _limits.MaxBytesPerClient)
            {
                return 0;
            }

            using var command = _database.Command(
                """
                INSERT INTO offline_messages (client_id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id,
                                              published_at_ms, expiry_interval, expires_at_ms)
                VALUES ($client, $topic, $payload, $qos, $retain, $ids, $properties, $sender, $published, $expiry, $expires)
                RETURNING id
                """);
            command.Parameters.AddWithValue("$client", clientId);
            command.Parameters.AddWithValue("$topic", message.Topic);
            command.Parameters.AddWithValue("$payload", Payload(message));
            command.Parameters.AddWithValue("$qos", qos);
            command.Parameters.AddWithValue("$retain", retain);
            command.Parameters.AddWithValue("$ids", subscriptionIdentifiers is null ? DBNull.Value : string.Join(',', subscriptionIdentifiers));
            command.Parameters.AddWithValue("$properties", (object?)MessageProperties.Encode(message.EngineProperties as MqttApplicationMessage) ?? DBNull.Value);
            command.Parameters.AddWithValue("$sender", (object?)message.SenderClientId ?? DBNull.Value);
            command.Parameters.AddWithValue("$published", message.PublishedAtMs);
            command.Parameters.AddWithValue("$expiry", message.MessageExpiryInterval);
            command.Parameters.AddWithValue("$expires", expiresAtMs);
            long id;
            try
            {
                id = (long)command.ExecuteScalar()!;
            }
            catch (SqliteException e) when (SqliteDatabase.IsCannotWrite(e))
            {
                return AppendResult.StoreUnavailable;
            }

            usage.Count++;
            usage.Bytes += size;
            return id;
        }
    }

    public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into)
    {
        lock (_database.Sync)
        {
            DeleteExpired(clientId, nowMs);
            using var command = _database.Command(
                """
                SELECT id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id, published_at_ms, expiry_interval, expires_at_ms
                FROM offline_messages WHERE client_id = $client AND id > $after ORDER BY id LIMIT $max
                """);
            command.Parameters.AddWithValue("$client", clientId);
            command.Parameters.AddWithValue("$after", afterId);
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            var added = 0;
            while (reader.Read())
            {
                into.Add(ToStoredMessage(reader));
                added++;
            }

            return added;
        }
    }

    public void Remove(string clientId, long id)
    {
        lock (_database.Sync)
        {
            using var command = _database.Command("DELETE FROM offline_messages WHERE id = $id AND client_id = $client RETURNING LENGTH(payload) + LENGTH(topic)");
            command.Parameters.AddWithValue("$client", clientId);
            command.Parameters.AddWithValue("$id", id);
            if (command.ExecuteScalar() is long size)
            {
                var usage = UsageOf(clientId);
                usage.Count--;
                usage.Bytes -= size;
            }
        }
    }

    public int Count(string clientId)
    {
        lock (_database.Sync)
        {
            return UsageOf(clientId).Count;
        }
    }

    public long LastId(string clientId)
    {
        lock (_database.Sync)
        {
            using var command = _database.Command("SELECT COALESCE(MAX(id), 0) FROM offline_messages WHERE client_id = $client");
            command.Parameters.AddWithValue("$client", clientId);
            return (long)command.ExecuteScalar()!;
        }
    }

    public void Discard(string clientId)
    {
        lock (_database.Sync)
        {
            using var command = _database.Command("DELETE FROM offline_messages WHERE client_id = $client");
            command.Parameters.AddWithValue("$client", clientId);
            command.ExecuteNonQuery();
            _usage.Remove(clientId);
        }
    }

    void DeleteExpired(string clientId, long nowMs)
    {
        using var command = _database.Command(
            "DELETE FROM offline_messages WHERE client_id = $client AND expires_at_ms <= $now RETURNING LENGTH(payload) + LENGTH(topic)");
        command.Parameters.AddWithValue("$client", clientId);
        command.Parameters.AddWithValue("$now", nowMs);
        using var reader = command.ExecuteReader();
        var usage = UsageOf(clientId);
        while (reader.Read())
        {
            usage.Count--;
            usage.Bytes -= reader.GetInt64(0);
        }
    }

    ClientUsage UsageOf(string clientId)
    {
        if (!_usage.TryGetValue(clientId, out var usage))
        {
            usage = new ClientUsage();
            _usage[clientId] = usage;
        }

        return usage;
    }

    static byte[] Payload(RoutedMessage message)
    {
        if (message.Payload is null)
        {
            return [];
        }

        return message.PayloadOffset == 0 && message.PayloadLength == message.Payload.Length
            ? message.Payload
            : message.Payload.AsSpan(message.PayloadOffset, message.PayloadLength).ToArray();
    }

    static StoredMessage ToStoredMessage(SqliteDataReader reader)
    {
        var payload = (byte[])reader["payload"];
        var qos = reader.GetInt32(3);
        var message = new RoutedMessage(reader.GetString(1), payload, qos, reader.GetBoolean(4))
        {
            EngineProperties = MessageProperties.Decode(reader.IsDBNull(6) ? null : (byte[])reader["properties"]),
            SenderClientId = reader.IsDBNull(7) ? null : reader.GetString(7),
            PublishedAtMs = reader.GetInt64(8),
            MessageExpiryInterval = (uint)reader.GetInt64(9),
        };
        var identifiers = reader.IsDBNull(5) ? null : reader.GetString(5).Split(',').Select(int.Parse).ToArray();
        return new StoredMessage(reader.GetInt64(0), message, qos, message.Retain, identifiers, reader.GetInt64(10));
    }

    sealed class ClientUsage
    {
        public int Count;
        public long Bytes;
    }
}
