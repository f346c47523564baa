using EdgeBroker.Core.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// The dedupe ids this broker accepted from gateways' uplinks, kept in SQLite so that the <see cref="DedupeWindow"/>
/// survives a restart of this broker: a gateway that resends after either side restarted still delivers once. Ids are
/// collected and written together <see cref="FlushDelay"/> after the first of them (one transaction), and only the newest
/// <see cref="DedupeWindow.Capacity"/> rows are kept. An id written late is lost only when this broker crashes within
/// that interval, and then the resend is delivered a second time (at-least-once).
/// </summary>
public sealed class SqliteDedupeLog : IDisposable
{
    static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(100);

    readonly SqliteDatabase _database;
    readonly int _capacity;
    readonly List<(string Sender, string Id)> _pending = [];
    readonly DelayedFlush _flush;

    public SqliteDedupeLog(SqliteDatabase database, int capacity)
    {
        _database = database;
        _capacity = capacity;
        _flush = new DelayedFlush(Flush, FlushDelay);
    }

    /// <summary>Reloads the kept ids into <paramref name="window"/>, oldest first.</summary>
    public void LoadInto(DedupeWindow window)
    {
        lock (_database.Sync)
        {
            using var command = _database.Command(
                "SELECT sender, dedupe_id FROM (SELECT id, sender, dedupe_id FROM uplink_dedupe ORDER BY id DESC LIMIT $max) ORDER BY id");
            command.Parameters.AddWithValue("$max", _capacity);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                window.Remember(reader.GetString(0), reader.GetString(1));
            }
        }
    }

    /// <summary>The window's <see cref="DedupeWindow.Accepted"/>: written with the next flush.</summary>
    public void Append(string sender, string dedupeId)
    {
        lock (_pending)
        {
            _pending.Add((sender, dedupeId));
        }

        _flush.Request();
    }

    void Flush()
    {
        List<(string Sender, string Id)> batch;
        lock (_pending)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            batch = [.. _pending];
            _pending.Clear();
        }

        lock (_database.Sync)
        {
            try
            {
                using var transaction = _database.BeginTransaction();
                using var insert = _database.Prepared(transaction, "INSERT INTO uplink_dedupe (sender, dedupe_id) VALUES ($sender, $id)", "$sender", "$id");
                foreach (var accepted in batch)
                {
                    insert.Parameters[0].Value = accepted.Sender;
                    insert.Parameters[1].Value = accepted.Id;
                    insert.ExecuteNonQuery();
                }

                using var prune = _database.Command("DELETE FROM uplink_dedupe WHERE id <= (SELECT MAX(id) FROM uplink_dedupe) - $max");
                prune.Transaction = transaction;
                prune.Parameters.AddWithValue("$max", _capacity);
                prune.ExecuteNonQuery();
                transaction.Commit();
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException or ObjectDisposedException)
            {
                // The ids stay in memory; only a restart of this broker forgets them (at-least-once for those).
            }
        }
    }

    /// <summary>Stops the timer and writes what is pending; the database is closed by its owner.</summary>
    public void Dispose()
    {
        _flush.Dispose();
        Flush();
    }
}
