using EdgeBroker.Core;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// Runs of a client's offline messages that are gone and whose rows are deleted later, off the path that made them
/// gone: messages the client acknowledged (consecutive ids), messages a read found expired (consecutive in the client's
/// order), and everything a cleared session kept (a clean start, an expired session: its oldest id to the last id given
/// when it was cleared). This is the one way the store deletes many rows: in transactions of at most
/// <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows, a longer run a part at a time, its row saying what is
/// left, with the database's lock let go between them. A run is committed at once, as a row of
/// <c>offline_acknowledged</c> (named when only acknowledged runs were kept; every run means the same — the client's rows
/// in that id range are gone — and a version that knows only acknowledged runs deletes the others' rows too), so what
/// made the messages gone is one small row whatever their number, and a restart gives back nothing of them: a run's
/// rows are deleted once no run has been recorded for <see cref="IdleMs"/> or <see cref="PurgeDelayMs"/> after the first
/// run that waits, whichever comes first, and a store that opens purges every run left behind. Until then reads skip
/// them (<see cref="RunsOf"/>) and deletions of messages inside them are left to them (<see cref="RemoveCovered"/>).
/// Deleting a row (its table and index entries, the pages rebalanced, the WAL written) was a third of the broker's CPU
/// while a returning client drained; deleted in one transaction, a drain of 50,000 acknowledged messages took the
/// write-ahead log from its 1 MB bound to 8.5 MB, a clear or an expiry of as many to 5.8–6.0 MB, each holding every
/// other client's commit behind it.
/// All of it under <see cref="SqliteDatabase.Sync"/>. Disposed with its store (<see cref="SqliteOfflineStore.Dispose"/>):
/// its timer goes, and what still waits is purged at the next start.
/// </summary>
sealed class DeletionRuns : IDisposable
{
    /// <summary>How long after the first waiting run the rows are deleted at the latest, however busy the receivers
    /// are: longer than a drain of a large backlog (100,000 messages drain in about 0.3–0.5 s), short enough that the
    /// rows of gone messages do not pile up (at most what goes in that time).</summary>
    public const int PurgeDelayMs = 1000;

    /// <summary>How long no run may have been recorded before the rows are deleted: the receivers have drained.</summary>
    public const int IdleMs = 100;

    /// <summary>The rows of a run — client ?1, ids ?2 to ?3 — found by the primary key's range (the ids of an acknowledged
    /// run are all the client's: ids are unique across clients; a sparse run walks other clients' rows between its
    /// own), and the unary <c>+</c> keeps SQLite from choosing the client index instead.</summary>
    public const string RowsOfRun = "id BETWEEN ?2 AND ?3 AND +client_id = ?1";

    readonly SqliteDatabase _database;
    readonly Action _recordLastId;
    readonly SqliteStatement _record;
    readonly SqliteStatement _nextPart;
    readonly SqliteStatement _deleteRows;
    readonly SqliteStatement _forget;
    readonly SqliteStatement _forgetClient;
    readonly SqliteStatement _advance;
    readonly SqliteStatement _oldest;
    readonly Timer _timer;

    /// <summary>Committed runs whose rows are not deleted yet.</summary>
    readonly List<Run> _waiting = [];
    bool _timerArmed;

    /// <summary>Set once <see cref="Dispose"/> ran: the timer is gone and is neither armed nor re-armed.</summary>
    bool _disposed;

    /// <summary>When the first of the waiting runs and the last run were committed (<see cref="Clock.MonotonicMs"/>).</summary>
    long _firstWaitingAt;
    long _lastRecordedAt;

    /// <param name="recordLastId">Keeps the highest id given so far in the open transaction (a purge may delete the
    /// newest messages).</param>
    public DeletionRuns(SqliteDatabase database, Action recordLastId)
    {
        _database = database;
        _recordLastId = recordLastId;
        _record = database.RawStatement("INSERT INTO offline_acknowledged (client_id, first, last) VALUES (?1, ?2, ?3)");

        // The first id after a part of ?4 rows of the run, found on the client index (a sparse run's part is its rows,
        // not its ids). OFFSET +?4, not ?4: see SqliteOfflineStore's select.
        _nextPart = database.RawStatement(
            "SELECT id FROM offline_messages WHERE client_id = ?1 AND id BETWEEN ?2 AND ?3 ORDER BY id LIMIT 1 OFFSET +?4");
        _deleteRows = database.RawStatement("DELETE FROM offline_messages WHERE " + RowsOfRun);
        _forget = database.RawStatement("DELETE FROM offline_acknowledged WHERE client_id = ?1 AND first = ?2");
        _forgetClient = database.RawStatement("DELETE FROM offline_acknowledged WHERE client_id = ?1");
        _advance = database.RawStatement("UPDATE offline_acknowledged SET first = ?3 WHERE client_id = ?1 AND first = ?2");
        _oldest = database.RawStatement("SELECT MIN(id) FROM offline_messages WHERE client_id = ?1 AND id <= ?2");
        _timer = new Timer(_ => PurgeInBackground());
        lock (database.Sync)
        {
            using var command = database.Command("SELECT client_id, first, last FROM offline_acknowledged");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _waiting.Add(new Run(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }
    }

    /// <summary>Writes <paramref name="run"/> in the open transaction; once it is committed, hand it over with
    /// <see cref="Committed"/>.</summary>
    public void Record(Run run)
    {
        _record.Bind(1, run.ClientId);
        _record.Bind(2, run.First);
        _record.Bind(3, run.Last);
        _record.Execute();
    }

    /// <summary>The transaction that recorded <paramref name="runs"/> is committed: their rows are deleted once the
    /// runs stop for <see cref="IdleMs"/>, within <see cref="PurgeDelayMs"/> at the latest.</summary>
    public void Committed(List<Run> runs)
    {
        _waiting.AddRange(runs);
        _lastRecordedAt = Clock.MonotonicMs();
        if (!_timerArmed && !_disposed)
        {
            _timerArmed = true;
            _firstWaitingAt = _lastRecordedAt;
            _timer.Change(IdleMs, Timeout.Infinite);
        }
    }

    /// <summary>Records <paramref name="runs"/> in a transaction of their own and hands them over (<see cref="Committed"/>);
    /// throws, with nothing recorded, when SQLite cannot write.</summary>
    public void RecordCommitted(List<Run> runs)
    {
        InTransaction(() => runs.ForEach(Record));
        Committed(runs);
    }

    /// <summary>The client's session is cleared: every row it has up to <paramref name="upTo"/> (the last id given) is
    /// gone at once, in one transaction of two small statements — its waiting runs give way to one run from its oldest
    /// row to <paramref name="upTo"/> — and deleted later like any run; a row stored after it is not the run's.
    /// Throws, with nothing cleared, when SQLite cannot write.</summary>
    public void Clear(string clientId, long upTo)
    {
        _oldest.Bind(1, clientId);
        _oldest.Bind(2, upTo);
        long oldest;
        try
        {
            _oldest.Step();
            oldest = _oldest.IsNull(0) ? 0 : _oldest.Int64(0);
        }
        finally
        {
            _oldest.Reset();
        }

        var run = new Run(clientId, oldest, upTo);
        InTransaction(() =>
        {
            _forgetClient.Bind(1, clientId);
            _forgetClient.Execute();
            if (oldest > 0)
            {
                Record(run);
            }
        });
        _waiting.RemoveAll(waiting => waiting.ClientId == clientId);
        if (oldest > 0)
        {
            Committed([run]);
        }
    }

    /// <summary>Adds the client's waiting runs to <paramref name="into"/> (cleared first), in id order: what a read of
    /// its rows skips.</summary>
    public void RunsOf(string clientId, List<Run> into)
    {
        into.Clear();
        foreach (var run in _waiting)
        {
            if (run.ClientId == clientId)
            {
                into.Add(run);
            }
        }

        if (into.Count > 1)
        {
            into.Sort(static (a, b) => a.First.CompareTo(b.First));
        }
    }

    /// <summary>Takes out of <paramref name="ids"/> those inside a waiting run of the client: their rows go with the run
    /// and count for the quota with it (an acknowledgement of the old session that comes after its clear).</summary>
    public void RemoveCovered(string clientId, List<long> ids)
    {
        if (ids.Count == 0)
        {
            return;
        }

        // A draining client's own acknowledged runs lie below what it acknowledges now: only a run that reaches into
        // the ids' span is looked at id by id.
        var (lowest, highest) = (ids.Min(), ids.Max());
        foreach (var run in _waiting)
        {
            if (run.ClientId == clientId && run.First <= highest && run.Last >= lowest)
            {
                ids.RemoveAll(id => id >= run.First && id <= run.Last);
            }
        }
    }

    /// <summary>Deletes the rows of waiting runs (of <paramref name="clientId"/> only, unless null), oldest first, in
    /// the open transaction, at most <paramref name="rows"/> of them: a run with more rows than are left is deleted from
    /// its first id on and its row moved to the first id after the part. Returns the parts deleted (each a run's first
    /// rows, or all of them), which stop waiting once the transaction is committed (<see cref="Purged"/>).</summary>
    public List<Run> DeleteWaiting(string? clientId, int rows)
    {
        var purged = new List<Run>();
        foreach (var run in _waiting)
        {
            if (rows <= 0)
            {
                break;
            }

            if (clientId is null || run.ClientId == clientId)
            {
                var next = NextPart(run, rows);
                var part = next == 0 ? run : run with { Last = next - 1 };
                rows -= Delete(part, next);
                purged.Add(part);
            }
        }

        return purged;
    }

    /// <summary>The transaction that deleted <paramref name="purged"/>'s rows (<see cref="DeleteWaiting"/>) is
    /// committed: a run deleted whole stops waiting, one deleted in part waits with the ids after the part.</summary>
    public void Purged(List<Run> purged)
    {
        foreach (var part in purged)
        {
            var index = _waiting.FindIndex(run => run.First == part.First && run.ClientId == part.ClientId);
            if (_waiting[index].Last == part.Last)
            {
                _waiting.RemoveAt(index);
            }
            else
            {
                _waiting[index] = _waiting[index] with { First = part.Last + 1 };
            }
        }
    }

    /// <summary>Deletes the rows of the client's waiting runs (every client's, unless <paramref name="clientId"/> is
    /// given), in transactions of their own of at most <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows
    /// each.</summary>
    public void Purge(string? clientId)
    {
        while (_waiting.Exists(run => clientId is null || run.ClientId == clientId))
        {
            PurgePart(clientId);
        }
    }

    /// <summary>Deletes <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows of waiting runs (of
    /// <paramref name="clientId"/> only, unless null) in a transaction of its own. Throws, with nothing deleted, when
    /// SQLite cannot write.</summary>
    void PurgePart(string? clientId)
    {
        List<Run> purged = [];
        InTransaction(() =>
        {
            purged = DeleteWaiting(clientId, SqliteDatabase.DeletedRowsPerTransaction);
            _recordLastId();
        });
        Purged(purged);
    }

    /// <summary>Runs <paramref name="write"/> in a transaction of its own, begun and committed with the database's
    /// prepared statements: a purge is hundreds of them (50,000 messages: 391), and a
    /// <see cref="Microsoft.Data.Sqlite.SqliteTransaction"/> prepares BEGIN and COMMIT anew each time. Rolled back, and
    /// the error thrown on, when it fails.</summary>
    void InTransaction(Action write)
    {
        _database.BeginBatch();
        try
        {
            write();
            _database.CommitBatch();
        }
        catch
        {
            _database.RollBackBatch();
            throw;
        }
    }

    /// <summary>The timer's purge, once the runs have stopped for <see cref="IdleMs"/> or the first has waited
    /// <see cref="PurgeDelayMs"/> (else the timer waits again): <see cref="SqliteDatabase.DeletedRowsPerTransaction"/>
    /// rows per transaction, the lock let go between them, so commits and reads go on meanwhile. A database closed
    /// meanwhile is left alone (the next start purges what is left).</summary>
    void PurgeInBackground()
    {
        lock (_database.Sync)
        {
            if (_disposed)
            {
                return;
            }

            var now = Clock.MonotonicMs();
            var wait = Math.Min(IdleMs - (now - _lastRecordedAt), PurgeDelayMs - (now - _firstWaitingAt));
            if (wait > 0 && !_database.Writes.IsClosed)
            {
                _timer.Change(wait, Timeout.Infinite);
                return;
            }
        }

        while (true)
        {
            lock (_database.Sync)
            {
                if (_disposed || _database.Writes.IsClosed || _waiting.Count == 0)
                {
                    _timerArmed = false;
                    return;
                }

                try
                {
                    PurgePart(null);
                }
                catch (Microsoft.Data.Sqlite.SqliteException)
                {
                    // The disk failed the write: the runs still wait, and the next acknowledgement's commit tries again.
                    _timerArmed = false;
                    return;
                }
            }
        }
    }

    /// <summary>Stops the timer (a purge under way finishes its transaction first: both hold the database's lock);
    /// the runs still waiting are purged by the next store that opens the database.</summary>
    public void Dispose()
    {
        lock (_database.Sync)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    /// <summary>The first id of <paramref name="run"/>'s rows after its first <paramref name="rows"/>, or 0 when it has
    /// no more.</summary>
    long NextPart(Run run, int rows)
    {
        _nextPart.Bind(1, run.ClientId);
        _nextPart.Bind(2, run.First);
        _nextPart.Bind(3, run.Last);
        _nextPart.Bind(4, rows);
        try
        {
            return _nextPart.Step() ? _nextPart.Int64(0) : 0;
        }
        finally
        {
            _nextPart.Reset();
        }
    }

    /// <summary>Deletes the rows of <paramref name="part"/>, a waiting run's first rows, and forgets the run when it is
    /// whole (<paramref name="next"/> 0), else records that it starts at <paramref name="next"/> (a restart deletes no
    /// more than is left — though deleting a range again would only find nothing). Returns the rows deleted.</summary>
    int Delete(Run part, long next)
    {
        _deleteRows.Bind(1, part.ClientId);
        _deleteRows.Bind(2, part.First);
        _deleteRows.Bind(3, part.Last);
        _deleteRows.Execute();
        var deleted = _deleteRows.Changes();
        var row = next == 0 ? _forget : _advance;
        row.Bind(1, part.ClientId);
        row.Bind(2, part.First);
        if (next != 0)
        {
            row.Bind(3, next);
        }

        row.Execute();
        return deleted;
    }

    /// <summary>Ids <see cref="First"/> to <see cref="Last"/> of a client: every row of the client in that range is
    /// gone.</summary>
    public sealed record Run(string ClientId, long First, long Last);
}
