using System.Collections;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using Microsoft.Data.Sqlite;
using MQTTnet;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// Offline messages in SQLite, written by group commit (<see cref="GroupCommit"/>): <see cref="Append"/> takes a
/// message, gives it its id and queues its row; <see cref="Commit"/> returns once the rows this thread queued are
/// committed, together with whatever other publishers queued meanwhile, and <see cref="CommitLater"/> hands them to
/// the next commit without waiting (the publisher's PUBACK waits for it instead), so the PUBACK always follows a
/// durable write and a busy broker writes many messages per transaction. Deleting an
/// acknowledged message is queued without waiting and rides with the next batch. Rows are written with prepared
/// statements made once. Per-client counts and sizes are kept in memory for the quota check. When SQLite cannot write
/// (disk or <c>MaxDatabaseBytes</c> full) <see cref="Commit"/> says so and keeps nothing of the batch; the core refuses
/// those PUBLISHes and the next commit tries again.
/// </summary>
public sealed class SqliteOfflineStore : IOfflineStore
{
    readonly SqliteDatabase _database;
    readonly OfflineLimits _limits;

    /// <summary>Guards <see cref="_usage"/> and <see cref="_lastId"/>; never held while waiting for the database.</summary>
    readonly object _sync = new();
    readonly Dictionary<string, ClientUsage> _usage = new();

    /// <summary>The rows each thread appended since its last <see cref="Commit"/>.</summary>
    readonly ThreadLocal<List<InsertRow>> _uncommitted = new(() => []);
    readonly SqliteCommand _insert;
    readonly SqliteCommand _delete;
    readonly SqliteCommand _recordLastId;
    readonly SqliteCommand _select;
    long _lastId;

    /// <summary>The highest id a deletion batch recorded in offline_ids (under the database's lock): later deletions of
    /// the batch record again only when ids were given since, not once per row. 0 after a rollback.</summary>
    long _recordedLastId;

    public SqliteOfflineStore(SqliteDatabase database, OfflineLimits limits)
    {
        _database = database;
        _limits = limits;
        lock (_database.Sync)
        {
            using (var command = _database.Command("SELECT client_id, COUNT(*), SUM(LENGTH(payload) + LENGTH(topic)) FROM offline_messages GROUP BY client_id"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    _usage[reader.GetString(0)] = new ClientUsage { Count = reader.GetInt32(1), Bytes = reader.GetInt64(2) };
                }
            }

            // Ids never go back, not even after the newest messages were acknowledged and deleted: every deletion
            // records the highest id given so far in offline_ids (in the deletion's transaction).
            using var last = _database.Command("SELECT MAX(COALESCE((SELECT MAX(id) FROM offline_messages), 0), (SELECT last FROM offline_ids))");
            _lastId = (long)last.ExecuteScalar()!;
        }

        _insert = _database.Statement(
            """
            INSERT INTO offline_messages (id, client_id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id,
                                          published_at_ms, expiry_interval, expires_at_ms)
            VALUES ($id, $client, $topic, $payload, $qos, $retain, $ids, $properties, $sender, $published, $expiry, $expires)
            """,
            "$id", "$client", "$topic", "$payload", "$qos", "$retain", "$ids", "$properties", "$sender", "$published", "$expiry", "$expires");
        _delete = _database.Statement("DELETE FROM offline_messages WHERE id = $id AND client_id = $client RETURNING LENGTH(payload) + LENGTH(topic)",
            "$id", "$client");
        _recordLastId = _database.Statement("UPDATE offline_ids SET last = $last WHERE last < $last", "$last");
        _select = _database.Statement(
            """
            SELECT id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id, published_at_ms, expiry_interval, expires_at_ms
            FROM offline_messages WHERE client_id = $client AND id > $after ORDER BY id LIMIT $max
            """,
            "$client", "$after", "$max");
    }

    public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long expiresAtMs)
    {
        var size = MemoryOfflineStore.SizeOf(message);

        // The row outlives the routing call: it must own its payload.
        var row = new InsertRow(this, clientId, message.Detach(), qos, retain, subscriptionIdentifiers, expiresAtMs, size);
        if (!TryQueue(row))
        {
            // The quota counts a deletion once it is committed: commit those queued, then look again.
            _database.Writes.CommitQueued();
            if (!TryQueue(row))
            {
                return AppendResult.QuotaFull;
            }
        }

        _uncommitted.Value!.Add(row);
        return row.Id;
    }

    /// <summary>Counts the row into its client's quota, gives it its id and queues it; false when the quota is full.</summary>
    bool TryQueue(InsertRow row)
    {
        lock (_sync)
        {
            var usage = UsageOf(row.ClientId);
            if (usage.Count >= _limits.MaxMessagesPerClient || usage.Bytes + row.Size > _limits.MaxBytesPerClient)
            {
                return false;
            }

            usage.Count++;
            usage.Bytes += row.Size;
            row.Id = ++_lastId;

            // Queued under the same lock that gave the id, so a client's rows are queued in id order.
            _database.Writes.Queue(row);
            return true;
        }
    }

    public bool Commit()
    {
        var rows = _uncommitted.Value!;
        if (rows.Count == 0)
        {
            return true;
        }

        _database.Writes.CommitUpTo(rows[^1].Sequence);
        var committed = rows.TrueForAll(row => !row.Failed);
        rows.Clear();
        return committed;
    }

    /// <summary>The rows this thread appended since its last commit, handed to a commit on the thread pool.</summary>
    public PendingCommit? CommitLater()
    {
        var rows = _uncommitted.Value!;
        if (rows.Count == 0)
        {
            return null;
        }

        var pending = _database.Writes.CommitLater(rows);
        rows.Clear();
        return pending;
    }

    /// <summary>Reads with one prepared statement a page at a time; an expired message met on the way is left out and
    /// deleted (those further back are deleted when a read reaches them).</summary>
    public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into)
    {
        lock (_database.Sync)
        {
            _database.Writes.CommitQueuedLocked();
            List<long>? expired = null;
            var added = 0;
            while (added < max)
            {
                var wanted = max - added;
                var rows = 0;
                _select.Parameters[0].Value = clientId;
                _select.Parameters[1].Value = afterId;
                _select.Parameters[2].Value = wanted;
                using (var reader = _select.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        rows++;
                        afterId = reader.GetInt64(0);
                        if (reader.GetInt64(10) <= nowMs)
                        {
                            (expired ??= []).Add(afterId);
                        }
                        else
                        {
                            into.Add(ToStoredMessage(reader));
                            added++;
                        }
                    }
                }

                if (rows < wanted)
                {
                    break;
                }
            }

            if (expired is not null)
            {
                DeleteExpired(clientId, expired);
            }

            return added;
        }
    }

    public void Remove(string clientId, long id) => _database.Writes.QueueUnawaited(new DeleteRow(this, clientId, id));

    /// <summary>What the client holds, its acknowledged messages' deletions committed first.</summary>
    public int Count(string clientId)
    {
        _database.Writes.CommitQueued();
        lock (_sync)
        {
            return UsageOf(clientId).Count;
        }
    }

    public long LastId(string clientId)
    {
        lock (_database.Sync)
        {
            _database.Writes.CommitQueuedLocked();
            using var command = _database.Command("SELECT COALESCE(MAX(id), 0) FROM offline_messages WHERE client_id = $client");
            command.Parameters.AddWithValue("$client", clientId);
            return (long)command.ExecuteScalar()!;
        }
    }

    public void Discard(string clientId)
    {
        lock (_database.Sync)
        {
            _database.Writes.CommitQueuedLocked();
            using var transaction = _database.BeginTransaction();
            using var command = _database.Command("DELETE FROM offline_messages WHERE client_id = $client");
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$client", clientId);
            command.ExecuteNonQuery();
            RecordLastId(transaction);
            transaction.Commit();
            lock (_sync)
            {
                _usage.Remove(clientId);
            }
        }
    }

    /// <summary>Deletes the client's expired messages <paramref name="ids"/>, under <see cref="SqliteDatabase.Sync"/>.</summary>
    void DeleteExpired(string clientId, List<long> ids)
    {
        var sizes = new List<long>();
        using (var transaction = _database.BeginTransaction())
        {
            _delete.Transaction = transaction;
            _delete.Parameters[1].Value = clientId;
            foreach (var id in ids)
            {
                _delete.Parameters[0].Value = id;
                if (_delete.ExecuteScalar() is long size)
                {
                    sizes.Add(size);
                }
            }

            RecordLastId(transaction);
            transaction.Commit();
        }

        foreach (var size in sizes)
        {
            Forget(clientId, size);
        }
    }

    /// <summary>Keeps the highest id given so far, for the next start, in the transaction that deletes messages (it
    /// may delete the newest).</summary>
    void RecordLastId(SqliteTransaction transaction)
    {
        lock (_sync)
        {
            _recordLastId.Parameters[0].Value = _lastId;
        }

        _recordLastId.Transaction = transaction;
        _recordLastId.ExecuteNonQuery();
    }

    /// <summary><see cref="RecordLastId"/> for a deletion in a group commit: skipped when the batch already recorded the
    /// highest id given so far.</summary>
    void RecordLastIdOnce(SqliteTransaction transaction)
    {
        long last;
        lock (_sync)
        {
            last = _lastId;
        }

        if (last != _recordedLastId)
        {
            RecordLastId(transaction);
            _recordedLastId = last;
        }
    }

    void Forget(string clientId, long size)
    {
        lock (_sync)
        {
            var usage = UsageOf(clientId);
            usage.Count--;
            usage.Bytes -= size;
        }
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
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
        var payload = reader.GetFieldValue<byte[]>(2);
        var qos = reader.GetInt32(3);
        var message = new RoutedMessage(reader.GetString(1), payload, qos, reader.GetBoolean(4))
        {
            EngineProperties = MessageProperties.Decode(reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6)),
            SenderClientId = reader.IsDBNull(7) ? null : reader.GetString(7),
            PublishedAtMs = reader.GetInt64(8),
            MessageExpiryInterval = (uint)reader.GetInt64(9),
        };
        var identifiers = reader.IsDBNull(5) ? null : reader.GetString(5).Split(',').Select(int.Parse).ToArray();
        return new StoredMessage(reader.GetInt64(0), message, qos, message.Retain, identifiers, reader.GetInt64(10));
    }

    /// <summary>A message's row, waiting for its batch; its publisher waits for it.</summary>
    sealed class InsertRow(SqliteOfflineStore store, string clientId, RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers,
        long expiresAtMs, long size) : GroupCommit.Change
    {
        public string ClientId => clientId;

        public long Size => size;

        public long Id { get; set; }

        public override bool IsAwaited => true;

        public override void Write(SqliteTransaction transaction)
        {
            var insert = store._insert;
            insert.Transaction = transaction;
            var parameters = insert.Parameters;
            parameters[0].Value = Id;
            parameters[1].Value = clientId;
            parameters[2].Value = message.Topic;
            parameters[3].Value = Payload(message);
            parameters[4].Value = qos;
            parameters[5].Value = retain;
            parameters[6].Value = subscriptionIdentifiers is null ? DBNull.Value : string.Join(',', subscriptionIdentifiers);
            parameters[7].Value = (object?)MessageProperties.Encode(message.EngineProperties as MqttApplicationMessage) ?? DBNull.Value;
            parameters[8].Value = (object?)message.SenderClientId ?? DBNull.Value;
            parameters[9].Value = message.PublishedAtMs;
            parameters[10].Value = message.MessageExpiryInterval;
            parameters[11].Value = expiresAtMs;
            insert.ExecuteNonQuery();
        }

        /// <summary>Not kept after all: its place in the quota is free again.</summary>
        public override void RolledBack() => store.Forget(clientId, size);
    }

    /// <summary>An acknowledged message's deletion; nobody waits for it.</summary>
    sealed class DeleteRow(SqliteOfflineStore store, string clientId, long id) : GroupCommit.Change
    {
        long _size = -1;

        public override bool IsAwaited => false;

        public override void Write(SqliteTransaction transaction)
        {
            var delete = store._delete;
            delete.Transaction = transaction;
            delete.Parameters[0].Value = id;
            delete.Parameters[1].Value = clientId;
            _size = delete.ExecuteScalar() is long size ? size : -1;
            if (_size >= 0)
            {
                store.RecordLastIdOnce(transaction);
            }
        }

        public override void Committed()
        {
            if (_size >= 0)
            {
                store.Forget(clientId, _size);
            }
        }

        public override void RolledBack()
        {
            _size = -1;
            store._recordedLastId = 0;
        }
    }

    sealed class ClientUsage
    {
        public int Count;
        public long Bytes;
    }
}
