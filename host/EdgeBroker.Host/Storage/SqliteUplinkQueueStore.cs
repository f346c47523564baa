using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// The uplinks' queues in the broker's SQLite database, beside the offline messages. Appends use the database's group
/// commit (<see cref="GroupCommit"/>): a publisher's <see cref="Append"/> queues its row and returns once a transaction
/// holding it has committed, so concurrent publishers share one commit (with each other and with offline messages)
/// instead of paying one each, and every publisher is still acknowledged only after its entry is durable. Removals (after the upstream acknowledged) are collected, left
/// out of reads at once, and deleted in the next batch's transaction or within <see cref="RemovalFlushDelay"/>: one
/// that a crash loses only means the entry is sent again, which its dedupe id covers. Counts and sizes per uplink are
/// cached for the bounds.
/// </summary>
public sealed class SqliteUplinkQueueStore : IUplinkQueueStore, IDisposable
{
    static readonly TimeSpan RemovalFlushDelay = TimeSpan.FromMilliseconds(100);

    readonly SqliteDatabase _database;
    readonly SqliteCommand _insert;
    readonly Dictionary<string, Usage> _usage = new(StringComparer.Ordinal);
    readonly HashSet<(string Uplink, long Sequence)> _removals = [];
    readonly DelayedFlush _removalFlush;

    public SqliteUplinkQueueStore(SqliteDatabase database)
    {
        _database = database;
        lock (_database.Sync)
        {
            using var command = _database.Command("SELECT uplink, COUNT(*), SUM(size) FROM uplink_queue GROUP BY uplink");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _usage[reader.GetString(0)] = new Usage { Count = reader.GetInt32(1), Bytes = reader.GetInt64(2) };
            }
        }

        _insert = _database.Statement(
            """
            INSERT INTO uplink_queue (uplink, topic, payload, qos, retain, dedupe_id, enqueued_at_ms, properties, size, p2p_hops, property_bytes)
            VALUES ($uplink, $topic, $payload, $qos, $retain, $dedupe, $at, $properties, $size, $p2pHops, $propertyBytes)
            RETURNING sequence
            """,
            "$uplink", "$topic", "$payload", "$qos", "$retain", "$dedupe", "$at", "$properties", "$size", "$p2pHops", "$propertyBytes");
        _removalFlush = new DelayedFlush(FlushRemovals, RemovalFlushDelay);
    }

    /// <summary>Returns the entry's sequence once it is committed, or 0 when the store could not write it.</summary>
    public long Append(string uplink, UplinkEntry entry)
    {
        var row = new AppendRow(this, uplink, entry);
        _database.Writes.CommitUpTo(_database.Writes.Queue(row));
        return row.Failed ? 0 : row.Stored;
    }

    public int Read(string uplink, long afterSequence, int max, ArrayList into)
    {
        lock (_database.Sync)
        {
            // Removals not yet deleted are left out here rather than deleted first: one transaction less per read.
            HashSet<(string Uplink, long Sequence)> removed;
            lock (_removals)
            {
                removed = [.. _removals];
            }

            using var command = _database.Command(
                """
                SELECT sequence, topic, payload, qos, retain, dedupe_id, enqueued_at_ms, properties, p2p_hops, property_bytes
                FROM uplink_queue WHERE uplink = $uplink AND sequence > $after ORDER BY sequence LIMIT $max
                """);
            command.Parameters.AddWithValue("$uplink", uplink);
            command.Parameters.AddWithValue("$after", afterSequence);
            command.Parameters.AddWithValue("$max", (long)max + removed.Count);
            using var reader = command.ExecuteReader();
            var added = 0;
            while (added < max && reader.Read())
            {
                if (removed.Contains((uplink, reader.GetInt64(0))))
                {
                    continue;
                }

                // Its properties count what was stored with them, so the entry is let go as it was counted (rows queued
                // before schema 9 count 0, as their stored size did).
                var entry = new UplinkEntry(reader.GetString(1), (byte[])reader["payload"], reader.GetInt32(3), reader.GetBoolean(4),
                    reader.GetString(5), reader.GetInt64(6),
                    reader.IsDBNull(7) ? null : MessageProperties.Restore((byte[])reader["properties"], reader.GetInt64(9)))
                {
                    Sequence = reader.GetInt64(0),
                    P2PHops = reader.IsDBNull(8) ? UplinkEntry.NotP2P : reader.GetInt32(8),
                };
                into.Add(entry);
                added++;
            }

            return added;
        }
    }

    public void Remove(string uplink, long sequence)
    {
        lock (_removals)
        {
            _removals.Add((uplink, sequence));
        }

        _removalFlush.Request();
    }

    public long RemoveOldest(string uplink, long afterSequence)
    {
        lock (_database.Sync)
        {
            FlushRemovals();
            using var command = _database.Command(
                """
                DELETE FROM uplink_queue
                WHERE sequence = (SELECT MIN(sequence) FROM uplink_queue WHERE uplink = $uplink AND sequence > $after)
                RETURNING sequence, size
                """);
            command.Parameters.AddWithValue("$uplink", uplink);
            command.Parameters.AddWithValue("$after", afterSequence);
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return 0;
            }

            var usage = UsageOf(uplink);
            usage.Count--;
            usage.Bytes -= reader.GetInt64(1);
            return reader.GetInt64(0);
        }
    }

    public int Count(string uplink)
    {
        lock (_database.Sync)
        {
            FlushRemovals();
            return UsageOf(uplink).Count;
        }
    }

    public long Bytes(string uplink)
    {
        lock (_database.Sync)
        {
            FlushRemovals();
            return UsageOf(uplink).Bytes;
        }
    }

    public long OldestEnqueuedAtMs(string uplink)
    {
        lock (_database.Sync)
        {
            FlushRemovals();
            using var command = _database.Command(
                "SELECT enqueued_at_ms FROM uplink_queue WHERE uplink = $uplink ORDER BY sequence LIMIT 1");
            command.Parameters.AddWithValue("$uplink", uplink);
            return command.ExecuteScalar() is long at ? at : 0;
        }
    }

    /// <summary>Deletes the removals collected so far; keeps them for the next try when the database refuses. With none
    /// collected (a batch's transaction or a read took them first) it takes no lock: an empty transaction under the
    /// database's lock held up the group commit and the offline store's reads.</summary>
    void FlushRemovals()
    {
        lock (_removals)
        {
            if (_removals.Count == 0)
            {
                return;
            }
        }

        lock (_database.Sync)
        {
            List<(string Uplink, long Sequence)> removals = [];
            try
            {
                do
                {
                    using var transaction = _database.BeginTransaction();
                    (removals, var deleted) = DeleteRemovals(transaction);
                    transaction.Commit();
                    Forget(deleted);
                }
                while (removals.Count == SqliteDatabase.DeletedRowsPerTransaction);
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException or ObjectDisposedException)
            {
                // Kept: the next flush or batch tries again (or, after the database closed, a restart resends them),
                // on a full disk once the database has made room for them.
                Restore(removals);
                if (e is SqliteException sqlite && SqliteDatabase.IsCannotWrite(sqlite))
                {
                    _database.MakeRoom();
                }
            }
        }
    }

    /// <summary>Takes up to <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> collected removals and deletes them in
    /// <paramref name="transaction"/>; the caller applies
    /// the deleted sizes after the commit (<see cref="Forget"/>) or gives the removals back on failure
    /// (<see cref="Restore"/>). Called under the database's lock.</summary>
    (List<(string Uplink, long Sequence)> Removals, List<(string Uplink, long Size)> Deleted) DeleteRemovals(SqliteTransaction transaction)
    {
        List<(string Uplink, long Sequence)> removals;
        lock (_removals)
        {
            removals = [.. _removals.Take(SqliteDatabase.DeletedRowsPerTransaction)];
            _removals.ExceptWith(removals);
        }

        var deleted = new List<(string Uplink, long Size)>();
        if (removals.Count == 0)
        {
            return (removals, deleted);
        }

        try
        {
            using var command = _database.Prepared(transaction,
                "DELETE FROM uplink_queue WHERE sequence = $sequence AND uplink = $uplink RETURNING size", "$sequence", "$uplink");
            foreach (var removal in removals)
            {
                command.Parameters[0].Value = removal.Sequence;
                command.Parameters[1].Value = removal.Uplink;
                if (command.ExecuteScalar() is long size)
                {
                    deleted.Add((removal.Uplink, size));
                }
            }
        }
        catch
        {
            Restore(removals);
            throw;
        }

        return (removals, deleted);
    }

    /// <summary>Gives back removals the database refused, for a flush after the delay to try again.</summary>
    void Restore(List<(string Uplink, long Sequence)> removals)
    {
        lock (_removals)
        {
            _removals.UnionWith(removals);
        }

        _removalFlush.Request();
    }

    void Forget(List<(string Uplink, long Size)> deleted)
    {
        foreach (var (name, size) in deleted)
        {
            var usage = UsageOf(name);
            usage.Count--;
            usage.Bytes -= size;
        }
    }

    Usage UsageOf(string uplink)
    {
        if (!_usage.TryGetValue(uplink, out var usage))
        {
            usage = new Usage();
            _usage[uplink] = usage;
        }

        return usage;
    }

    /// <summary>Stops the removal flush and deletes what it still holds; the database itself is closed by its owner.</summary>
    public void Dispose()
    {
        _removalFlush.Dispose();
        FlushRemovals();
    }

    /// <summary>An entry's row, waiting for its group commit; its publisher waits for it.</summary>
    sealed class AppendRow(SqliteUplinkQueueStore store, string uplink, UplinkEntry entry) : GroupCommit.Change
    {
        /// <summary>The entry's sequence in its queue once written; 0 until then.</summary>
        public long Stored { get; private set; }

        public override bool IsAwaited => true;

        public override void Write()
        {
            var insert = store._insert;
            var parameters = insert.Parameters;
            parameters[0].Value = uplink;
            parameters[1].Value = entry.RemoteTopic;
            parameters[2].Value = entry.Payload;
            parameters[3].Value = entry.Qos;
            parameters[4].Value = entry.Retain;
            parameters[5].Value = entry.DedupeId;
            parameters[6].Value = entry.EnqueuedAtMs;
            parameters[7].Value = (object?)MessageProperties.Encode(Mqtt5Properties.Of(entry.EngineProperties)) ?? DBNull.Value;
            parameters[8].Value = entry.Size;
            parameters[9].Value = entry.P2PHops == UplinkEntry.NotP2P ? DBNull.Value : entry.P2PHops;
            parameters[10].Value = MessageFootprint.PropertiesOf(entry.EngineProperties);
            Stored = (long)insert.ExecuteScalar()!;
        }

        /// <summary>Under the database's lock, like every use of the usage table.</summary>
        public override void Committed()
        {
            entry.Sequence = Stored;
            var usage = store.UsageOf(uplink);
            usage.Count++;
            usage.Bytes += entry.Size;
        }

        public override void RolledBack() => Stored = 0;
    }

    sealed class Usage
    {
        public int Count;
        public long Bytes;
    }
}
