namespace EdgeBroker.Host.Storage;

/// <summary>
/// Runs of consecutive acknowledged offline messages whose rows are deleted later, off the drain's path. A run's
/// acknowledgement is committed at once, as a row of <c>offline_acknowledged</c> in the group commit that would have
/// deleted its messages — so a restart delivers again exactly what it did before (what was acknowledged but not yet
/// committed) — and its messages' rows are deleted once no run has been recorded for <see cref="IdleMs"/> (the
/// receivers have drained) or <see cref="PurgeDelayMs"/> after the first run that waits, whichever comes first, in
/// transactions of at most <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows — a longer run is deleted a part
/// at a time, its row saying what is left —, with the database's lock let go between them. Deleting a
/// row (its table and index entries, the pages rebalanced, the WAL written) was a third of the broker's CPU while
/// a returning client drained; recording a run is one small row per client and commit. Until they are purged, the
/// store reads nothing from the database for a client with waiting runs without purging them first, and a store
/// that opens purges every run left behind. All of it under <see cref="SqliteDatabase.Sync"/>. Disposed with its
/// store (<see cref="SqliteOfflineStore.Dispose"/>): its timer goes, and what still waits is purged at the next start.
/// </summary>
sealed class AcknowledgedRuns : IDisposable
{
    /// <summary>How long after the first waiting run the rows are deleted at the latest, however busy the receivers
    /// are: longer than a drain of a large backlog (100,000 messages drain in about 0.3–0.5 s), short enough that the
    /// rows of acknowledged messages do not pile up (at most what is acknowledged in that time).</summary>
    public const int PurgeDelayMs = 1000;

    /// <summary>How long no run may have been recorded before the rows are deleted: the receivers have drained.</summary>
    public const int IdleMs = 100;

    /// <summary>The rows of a run — client ?1, ids ?2 to ?3 — found by the primary key's range; every id in it is the
    /// client's (ids are unique across clients), and the unary <c>+</c> keeps SQLite from choosing the client index
    /// instead.</summary>
    public const string RowsOfRun = "id BETWEEN ?2 AND ?3 AND +client_id = ?1";

    readonly SqliteDatabase _database;
    readonly Action _recordLastId;
    readonly SqliteStatement _record;
    readonly SqliteStatement _deleteRows;
    readonly SqliteStatement _forget;
    readonly SqliteStatement _advance;
    readonly Timer _timer;

    /// <summary>Committed runs whose rows are not deleted yet.</summary>
    readonly List<Run> _waiting = [];
    bool _timerArmed;

    /// <summary>Set once <see cref="Dispose"/> ran: the timer is gone and is neither armed nor re-armed.</summary>
    bool _disposed;

    /// <summary>When the first of the waiting runs and the last run were committed (<see cref="Environment.TickCount64"/>).</summary>
    long _firstWaitingAt;
    long _lastRecordedAt;

    /// <param name="recordLastId">Keeps the highest id given so far in the open transaction (a purge may delete the
    /// newest messages).</param>
    public AcknowledgedRuns(SqliteDatabase database, Action recordLastId)
    {
        _database = database;
        _recordLastId = recordLastId;
        _record = database.RawStatement("INSERT INTO offline_acknowledged (client_id, first, last) VALUES (?1, ?2, ?3)");
        _deleteRows = database.RawStatement("DELETE FROM offline_messages WHERE " + RowsOfRun);
        _forget = database.RawStatement("DELETE FROM offline_acknowledged WHERE client_id = ?1 AND first = ?2");
        _advance = database.RawStatement("UPDATE offline_acknowledged SET first = ?3 WHERE client_id = ?1 AND first = ?2");
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

    /// <summary>Writes <paramref name="run"/>'s acknowledgement in the open transaction; once it is committed, hand it
    /// over with <see cref="Committed"/>.</summary>
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
        _lastRecordedAt = Environment.TickCount64;
        if (!_timerArmed && !_disposed)
        {
            _timerArmed = true;
            _firstWaitingAt = _lastRecordedAt;
            _timer.Change(IdleMs, Timeout.Infinite);
        }
    }

    /// <summary>Deletes the rows of waiting runs (of <paramref name="clientId"/> only, unless null), oldest first, in
    /// the open transaction, at most <paramref name="rows"/> of them: a run with more ids than are left is deleted from
    /// its first id on and its row moved past them. Returns the parts deleted (each a run's first ids, or all of
    /// them), which stop waiting once the transaction is committed (<see cref="Purged"/>).</summary>
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
                var part = run.Last - run.First < rows ? run : run with { Last = run.First + rows - 1 };
                Delete(part, whole: part == run);
                purged.Add(part);
                rows -= (int)(part.Last - part.First + 1);
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
    /// given) before the store reads the database for it, in transactions of their own of at most
    /// <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows each.</summary>
    public void Purge(string? clientId)
    {
        while (_waiting.Exists(run => clientId is null || run.ClientId == clientId))
        {
            PurgePart(clientId);
        }
    }

    /// <summary>Deletes <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows of waiting runs (of
    /// <paramref name="clientId"/> only, unless null) in a transaction of its own, begun and committed with the
    /// database's prepared statements: a purge is hundreds of them (50,000 messages: 391), and a
    /// <see cref="Microsoft.Data.Sqlite.SqliteTransaction"/> prepares BEGIN and COMMIT anew each time. Throws, with
    /// nothing deleted, when SQLite cannot write.</summary>
    void PurgePart(string? clientId)
    {
        List<Run> purged;
        _database.BeginBatch();
        try
        {
            purged = DeleteWaiting(clientId, SqliteDatabase.DeletedRowsPerTransaction);
            _recordLastId();
            _database.CommitBatch();
        }
        catch
        {
            _database.RollBackBatch();
            throw;
        }

        Purged(purged);
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

            var now = Environment.TickCount64;
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

    /// <summary>Deletes the rows of <paramref name="part"/>, a waiting run's first ids, and forgets the run when it is
    /// <paramref name="whole"/>, else records that its ids start after the part (a restart deletes no more than is
    /// left — though deleting a range again would only find nothing).</summary>
    void Delete(Run part, bool whole)
    {
        _deleteRows.Bind(1, part.ClientId);
        _deleteRows.Bind(2, part.First);
        _deleteRows.Bind(3, part.Last);
        _deleteRows.Execute();
        var row = whole ? _forget : _advance;
        row.Bind(1, part.ClientId);
        row.Bind(2, part.First);
        if (!whole)
        {
            row.Bind(3, part.Last + 1);
        }

        row.Execute();
    }

    /// <summary>Ids <see cref="First"/> to <see cref="Last"/> of a client, every one of them acknowledged.</summary>
    public sealed record Run(string ClientId, long First, long Last);
}
