using System.Buffers.Text;
using System.Collections;
using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// Offline messages in SQLite, written by group commit (<see cref="GroupCommit"/>): <see cref="Append"/> takes a
/// message, gives it its id and queues its row; <see cref="Commit"/> returns once the rows this thread queued are
/// committed, together with whatever other publishers queued meanwhile, and <see cref="CommitLater"/> hands them to
/// the next commit without waiting (the publisher's PUBACK waits for it instead), so the PUBACK always follows a
/// durable write and a busy broker writes many messages per transaction. Acknowledged messages are collected and
/// committed as gone with the next batch: a run of consecutive ids as one row whose messages' rows are deleted later,
/// off the drain's path (<see cref="DeletionRuns"/>), other ids deleted with one statement per client and commit; a
/// cleared session and the expired messages a read meets are such runs too, committed at once and deleted later, at
/// most <see cref="SqliteDatabase.DeletedRowsPerTransaction"/> rows a transaction. The per-message statements are
/// prepared once and run through SQLite's C API (<see cref="SqliteStatement"/>). Per-client counts and sizes are kept in memory for the
/// quota check, and a bounded copy of recently stored backlogs (<see cref="OfflineCopies"/>) serves reads without
/// SQLite. When SQLite cannot write (disk or <c>MaxDatabaseBytes</c> full) <see cref="Commit"/> says so and keeps
/// nothing of the batch; the core refuses those PUBLISHes and the next commit tries again.
/// </summary>
public sealed class SqliteOfflineStore : IOfflineStore, IDisposable
{
    /// <summary>The shortest run of consecutive ids a deletion removes by range (shorter ones are listed).</summary>
    const int RangeDeletion = 8;

    readonly SqliteDatabase _database;
    readonly OfflineLimits _limits;
    readonly OfflineCopies _copies;

    /// <summary>Guards <see cref="_usage"/> and <see cref="_lastId"/>; never held while waiting for the database.</summary>
    readonly object _sync = new();
    readonly Dictionary<string, ClientUsage> _usage = new();

    /// <summary>The rows each thread appended since its last <see cref="Commit"/>.</summary>
    readonly ThreadLocal<List<InsertRow>> _uncommitted = new(() => []);
    readonly SqliteStatement _insert;
    readonly Deletion _delete;
    readonly Deletion _deleteRange;
    readonly SqliteStatement _recordLastId;
    readonly SqliteStatement _select;
    readonly DeletionRuns _deletionRuns;

    /// <summary>A commit failed (a full disk or database): acknowledged messages' rows are deleted at once, and rows of
    /// the runs waiting for theirs with them (within <see cref="SqliteDatabase.DeletedRowsPerTransaction"/>), until a
    /// commit holding messages succeeds (under the database's lock).</summary>
    bool _deleteAtOnce;

    /// <summary>The acknowledged messages' deletions waiting for a commit, or null (under the group commit's queue
    /// lock: <see cref="GroupCommit.Collect"/>).</summary>
    GroupCommit.CollectingChange? _deletions;

    /// <summary>What a row counts against its client's quota, in SQL: the message's footprint as it was counted when
    /// kept (the core's <see cref="MessageFootprint"/>; topic characters, payload bytes, MQTT 5 properties).</summary>
    const string QuotaBytes = "LENGTH(topic) + LENGTH(payload) + property_bytes";

    /// <summary>Starts the next batch of deletions (made once: no delegate per acknowledgement).</summary>
    readonly Func<GroupCommit.CollectingChange> _startDeletions;

    /// <summary>The id list of a deletion, as the JSON array <c>json_each</c> reads (under the database's lock).</summary>
    byte[] _idList = new byte[1024];

    /// <summary>The expired messages a read met (under the database's lock).</summary>
    readonly List<long> _expired = [];

    /// <summary>The waiting runs of the client a read is for, in id order (under the database's lock).</summary>
    readonly List<DeletionRuns.Run> _runsOfClient = [];

    /// <summary>The ids of a deletion outside its runs, and its runs (under the database's lock).</summary>
    readonly List<long> _scattered = [];
    readonly List<(long First, long Last)> _runs = [];

    /// <summary>Topics and senders read back repeat (a client's backlog is mostly one topic from a few senders): each
    /// read reuses the string of the row before when the bytes are the same (under the database's lock).</summary>
    readonly RepeatedText _topics = new();
    readonly RepeatedText _senders = new();
    long _lastId;

    /// <summary>The highest id a deletion batch recorded in offline_ids (under the database's lock): later deletions of
    /// the batch record again only when ids were given since, not once per row. 0 after a rollback.</summary>
    long _recordedLastId;

    /// <param name="copyBytes">What the in-memory copies of offline messages may hold (<see cref="OfflineCopies"/>); 0
    /// reads every backlog from SQLite.</param>
    public SqliteOfflineStore(SqliteDatabase database, OfflineLimits limits, long copyBytes = 0)
    {
        _database = database;
        _limits = limits;
        _copies = new OfflineCopies(copyBytes);
        _startDeletions = () => new DeleteBatch(this);
        _insert = _database.RawStatement(
            """
            INSERT INTO offline_messages (id, client_id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id,
                                          published_at_ms, expiry_interval, expires_at_ms, property_bytes)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            """);

        // One statement for any number of a client's messages: the ids as one JSON array parameter. Each row is found
        // by its id (the rowid); the unary + keeps SQLite from seeking the (client_id, id) index for it instead, which
        // compared the client ID's text once more per row (measured: 5.2 → 3.8 µs per deleted row).
        _delete = new Deletion(_database, "+client_id = ?1 AND id IN (SELECT value FROM json_each(?2))");
        // A run of consecutive ids, every one acknowledged by the client: the rows in that id range are exactly those
        // (ids are unique across clients), found by one walk of the table instead of a lookup per id.
        _deleteRange = new Deletion(_database, DeletionRuns.RowsOfRun);
        _recordLastId = _database.RawStatement("UPDATE offline_ids SET last = ?1 WHERE last < ?1");
        // LIMIT +?3, not LIMIT ?3: SQLite (3.49) plans a bare parameter's LIMIT from its bound value and so expires the
        // statement whenever ?3 is bound again, even to the same value — every Read re-prepared it inside sqlite3_step,
        // ~120 mallocs per CONNECT (docs/performance.md, "The arena"). The plan is the same index search either way.
        _select = _database.RawStatement(
            """
            SELECT id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id, published_at_ms, expiry_interval, expires_at_ms,
                   property_bytes
            FROM offline_messages WHERE client_id = ?1 AND id > ?2 ORDER BY id LIMIT +?3
            """);

        _deletionRuns = new DeletionRuns(_database, RecordLastId);
        lock (_database.Sync)
        {
            // Ids never go back, not even after the newest messages were acknowledged and deleted: every deletion
            // records the highest id given so far in offline_ids (in the deletion's transaction).
            using (var last = _database.Command("SELECT MAX(COALESCE((SELECT MAX(id) FROM offline_messages), 0), (SELECT last FROM offline_ids))"))
            {
                _lastId = (long)last.ExecuteScalar()!;
            }

            // What a stop left of acknowledged messages goes before anything is counted or read.
            _deletionRuns.Purge(null);
            using var command = _database.Command($"SELECT client_id, COUNT(*), SUM({QuotaBytes}) FROM offline_messages GROUP BY client_id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                _usage[reader.GetString(0)] = new ClientUsage { Count = reader.GetInt32(1), Bytes = reader.GetInt64(2) };
            }
        }
    }

    /// <summary>Stops the deferred deletions' timer, before the database closes (the runs still waiting are deleted by
    /// the next store that opens it).</summary>
    public void Dispose() => _deletionRuns.Dispose();

    public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long expiresAtMs)
    {
        var size = MessageFootprint.Of(message);

        // The row outlives the routing call: it must own its payload.
        var detached = message.Detach();
        var row = TryQueue(clientId, detached, qos, retain, subscriptionIdentifiers, expiresAtMs, size);
        if (row is null)
        {
            // The quota counts a deletion once it is committed: commit those queued, then look again.
            _database.Writes.CommitQueued();
            row = TryQueue(clientId, detached, qos, retain, subscriptionIdentifiers, expiresAtMs, size);
            if (row is null)
            {
                return AppendResult.QuotaFull;
            }
        }

        _uncommitted.Value!.Add(row);
        return row.Stored.Id;
    }

    /// <summary>Counts the message into its client's quota, gives it its id, copies it and queues its row; null when the
    /// quota is full.</summary>
    InsertRow? TryQueue(string clientId, RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long expiresAtMs, long size)
    {
        lock (_sync)
        {
            var usage = UsageOf(clientId);
            if (usage.Count >= _limits.MaxMessagesPerClient || usage.Bytes + size > _limits.MaxBytesPerClient)
            {
                return null;
            }

            var wasEmpty = usage.Count == 0;
            usage.Count++;
            usage.Bytes += size;
            var stored = new StoredMessage(++_lastId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);
            var row = new InsertRow(this, clientId, stored, size);

            // Copied and queued under the same lock that gave the id, so a client's rows are in id order in both.
            _copies.Add(clientId, stored, wasEmpty);
            _database.Writes.Queue(row);
            return row;
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

    /// <summary>Reads the client's copy when it has one (<see cref="OfflineCopies"/>), else SQLite with one prepared
    /// statement a page at a time, skipping the rows of its runs waiting for deletion (<see cref="DeletionRuns"/>:
    /// acknowledged, expired, or cleared with its session); expired messages met on the way are left out and recorded
    /// as runs for a later deletion (<see cref="Expire"/>; those further back when a read reaches them). The inserts
    /// queued are committed first (before SQLite is read, the acknowledged messages' deletions too), and a copy is read
    /// only up to the last message queued before that commit, so either way a read returns committed messages only.</summary>
    public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into)
    {
        lock (_database.Sync)
        {
            long committedUpTo;
            lock (_sync)
            {
                committedUpTo = _lastId;
            }

            // The copies hold no acknowledged message: they need the inserts queued before, not the deletions.
            _database.Writes.CommitAwaitedLocked();
            _expired.Clear();
            if (!_copies.TryRead(clientId, afterId, committedUpTo, max, nowMs, into, _expired, out var added))
            {
                _database.Writes.CommitQueuedLocked();
                added = ReadDatabase(clientId, afterId, max, nowMs, into);
            }

            if (_expired.Count > 0)
            {
                Expire(clientId, into, added);
            }

            return added;
        }
    }

    /// <summary><see cref="Read"/> from SQLite, under <see cref="SqliteDatabase.Sync"/>: a row inside one of the
    /// client's waiting runs is gone, and the read goes on after the run.</summary>
    int ReadDatabase(string clientId, long afterId, int max, long nowMs, ArrayList into)
    {
        _deletionRuns.RunsOf(clientId, _runsOfClient);
        var run = 0;
        var added = 0;
        while (added < max)
        {
            var wanted = max - added;
            var rows = 0;
            var skipped = false;
            _select.Bind(1, clientId);
            _select.Bind(2, afterId);
            _select.Bind(3, wanted);
            try
            {
                while (_select.Step())
                {
                    rows++;
                    var id = _select.Int64(0);
                    while (run < _runsOfClient.Count && _runsOfClient[run].Last < id)
                    {
                        run++;
                    }

                    if (run < _runsOfClient.Count && _runsOfClient[run].First <= id)
                    {
                        afterId = _runsOfClient[run].Last;
                        skipped = true;
                        break;
                    }

                    afterId = id;
                    if (Clock.HasPassed(_select.Int64(10), nowMs))
                    {
                        _expired.Add(afterId);
                    }
                    else
                    {
                        into.Add(ReadStoredMessage());
                        added++;
                    }
                }
            }
            finally
            {
                _select.Reset();
            }

            if (!skipped && rows < wanted)
            {
                break;
            }
        }

        return added;
    }

    /// <summary>Forgets the copy at once and collects the deletion for the next commit (nobody waits for it).</summary>
    public void Remove(string clientId, long id)
    {
        _copies.Remove(clientId, id);
        _database.Writes.Collect(ref _deletions, _startDeletions, clientId, id);
    }

    /// <summary>What the client holds, its acknowledged messages' deletions committed first.</summary>
    /// <summary>Without a commit while the quota has room by what is counted; <see cref="Count"/> commits the queued
    /// deletions first (as <see cref="Append"/> does when the quota looks full), which on every message from an uplink
    /// would commit each acknowledgement on its own instead of in groups.</summary>
    public bool IsFull(string clientId)
    {
        lock (_sync)
        {
            if (!_usage.TryGetValue(clientId, out var usage) || usage.Count < _limits.MaxMessagesPerClient)
            {
                return false;
            }
        }

        return Count(clientId) >= _limits.MaxMessagesPerClient;
    }

    public int Count(string clientId)
    {
        _database.Writes.CommitQueued();
        lock (_sync)
        {
            return UsageOf(clientId).Count;
        }
    }

    public long LastIssuedId
    {
        get
        {
            lock (_sync)
            {
                return _lastId;
            }
        }
    }

    public long LastId(string clientId)
    {
        lock (_database.Sync)
        {
            _database.Writes.CommitQueuedLocked();
            _deletionRuns.Purge(clientId);
            using var command = _database.Command("SELECT COALESCE(MAX(id), 0) FROM offline_messages WHERE client_id = $client");
            command.Parameters.AddWithValue("$client", clientId);
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>Clears the client's messages at once (<see cref="DeletionRuns.Clear"/>: one run up to the last id given,
    /// deleted later in bounded transactions): no read gives them back from then on, and a message stored after it —
    /// the new session's — is kept. The inserts queued are committed first, so every message given an id before is a
    /// row the run covers (the core stores nothing for the session while it clears it: it holds the session's lock).</summary>
    public void Discard(string clientId)
    {
        lock (_database.Sync)
        {
            _database.Writes.CommitQueuedLocked();
            long upTo;
            lock (_sync)
            {
                upTo = _lastId;
            }

            _deletionRuns.Clear(clientId, upTo);
            lock (_sync)
            {
                _usage.Remove(clientId);
                _copies.Discard(clientId);
            }
        }
    }

    /// <summary>Records the expired messages a read met (<see cref="_expired"/>, in id order) as runs for a later
    /// deletion, under <see cref="SqliteDatabase.Sync"/>: one run for each stretch of them with no message between that
    /// the read gave (the last <paramref name="added"/> of <paramref name="into"/>) and no waiting run, so a run holds
    /// expired messages only and the quota counts each message once. The acknowledgements queued are committed first,
    /// so the messages between them in the client's order are deleted or in runs. Throws, with nothing recorded and the
    /// messages kept, when SQLite cannot write (a later read meets them again).</summary>
    void Expire(string clientId, ArrayList into, int added)
    {
        _database.Writes.CommitQueuedLocked();
        _deletionRuns.RunsOf(clientId, _runsOfClient);
        var runs = new List<DeletionRuns.Run>();
        var given = into.Count - added;
        var waiting = 0;
        long first = 0;
        long last = 0;
        foreach (var id in _expired)
        {
            var between = false;
            for (; given < into.Count && ((StoredMessage)into[given]!).Id < id; given++)
            {
                between = true;
            }

            for (; waiting < _runsOfClient.Count && _runsOfClient[waiting].First < id; waiting++)
            {
                between = true;
            }

            if (first != 0 && !between)
            {
                last = id;
                continue;
            }

            if (first != 0)
            {
                runs.Add(new DeletionRuns.Run(clientId, first, last));
            }

            first = last = id;
        }

        runs.Add(new DeletionRuns.Run(clientId, first, last));
        var expired = default(Deleted);
        foreach (var run in runs)
        {
            _deleteRange.Bind(1, clientId);
            _deleteRange.Bind(2, run.First);
            _deleteRange.Bind(3, run.Last);
            expired.Add(_deleteRange.Count());
        }

        _deletionRuns.RecordCommitted(runs);
        foreach (var id in _expired)
        {
            _copies.Remove(clientId, id);
        }

        Forget(clientId, expired);
    }

    /// <summary>Deletes the client's messages <paramref name="ids"/> (the database's transaction is open) and returns
    /// how many it found and their size: each run of at least <see cref="RangeDeletion"/> consecutive ids with one
    /// range statement (a client acknowledges in order, and a backlog stored for one client while no other was
    /// written to has consecutive ids) unless <paramref name="deleteRuns"/> is false (<see cref="RecordRuns"/> takes
    /// them), the rest with one statement listing them.</summary>
    Deleted Delete(string clientId, List<long> ids, bool deleteRuns)
    {
        var deleted = default(Deleted);
        SplitRuns(ids);
        if (deleteRuns)
        {
            foreach (var (first, last) in _runs)
            {
                _deleteRange.Bind(1, clientId);
                _deleteRange.Bind(2, first);
                _deleteRange.Bind(3, last);
                deleted.Add(_deleteRange.Run());
            }
        }

        if (_scattered.Count > 0)
        {
            deleted.Add(DeleteListed(clientId, _scattered));
        }

        return deleted;
    }

    /// <summary>Records the client's runs of acknowledged ids among <paramref name="ids"/> for a later deletion of their
    /// rows (<see cref="DeletionRuns"/>), in the open transaction, adds them to <paramref name="recorded"/>, and
    /// returns how many messages they hold and their size.</summary>
    Deleted RecordRuns(string clientId, List<long> ids, List<DeletionRuns.Run> recorded)
    {
        var counted = default(Deleted);
        SplitRuns(ids);
        foreach (var (first, last) in _runs)
        {
            _deleteRange.Bind(1, clientId);
            _deleteRange.Bind(2, first);
            _deleteRange.Bind(3, last);
            counted.Add(_deleteRange.Count());
            var run = new DeletionRuns.Run(clientId, first, last);
            _deletionRuns.Record(run);
            recorded.Add(run);
        }

        return counted;
    }

    /// <summary>Splits <paramref name="ids"/> into its runs of at least <see cref="RangeDeletion"/> consecutive ids
    /// (<see cref="_runs"/>) and the rest (<see cref="_scattered"/>).</summary>
    void SplitRuns(List<long> ids)
    {
        _runs.Clear();
        _scattered.Clear();
        var start = 0;
        for (var i = 1; i <= ids.Count; i++)
        {
            if (i < ids.Count && ids[i] == ids[i - 1] + 1)
            {
                continue;
            }

            if (i - start >= RangeDeletion)
            {
                _runs.Add((ids[start], ids[i - 1]));
            }
            else
            {
                for (var j = start; j < i; j++)
                {
                    _scattered.Add(ids[j]);
                }
            }

            start = i;
        }
    }

    /// <summary>Deletes the client's messages <paramref name="ids"/> in one statement, the ids as one JSON array.</summary>
    Deleted DeleteListed(string clientId, List<long> ids)
    {
        var length = 2 + (ids.Count * 21);
        if (length > _idList.Length)
        {
            _idList = new byte[length];
        }

        var written = 0;
        _idList[written++] = (byte)'[';
        foreach (var id in ids)
        {
            if (written > 1)
            {
                _idList[written++] = (byte)',';
            }

            Utf8Formatter.TryFormat(id, _idList.AsSpan(written), out var digits);
            written += digits;
        }

        _idList[written++] = (byte)']';
        _delete.Bind(1, clientId);
        _delete.BindText(2, _idList.AsSpan(0, written));
        return _delete.Run();
    }

    /// <summary>Keeps the highest id given so far, for the next start, in the transaction that deletes messages (it
    /// may delete the newest).</summary>
    void RecordLastId()
    {
        lock (_sync)
        {
            _recordLastId.Bind(1, _lastId);
        }

        _recordLastId.Execute();
    }

    /// <summary><see cref="RecordLastId"/> for a deletion in a group commit: skipped when the batch already recorded the
    /// highest id given so far.</summary>
    void RecordLastIdOnce()
    {
        long last;
        lock (_sync)
        {
            last = _lastId;
        }

        if (last != _recordedLastId)
        {
            RecordLastId();
            _recordedLastId = last;
        }
    }

    void Forget(string clientId, Deleted deleted)
    {
        if (deleted.Count == 0)
        {
            return;
        }

        lock (_sync)
        {
            var usage = UsageOf(clientId);
            usage.Count -= deleted.Count;
            usage.Bytes -= deleted.Bytes;
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

    static ReadOnlySpan<byte> Payload(RoutedMessage message) =>
        message.Payload is null ? [] : message.Payload.AsSpan(message.PayloadOffset, message.PayloadLength);

    /// <summary>The current row of <see cref="_select"/>. A message without MQTT 5 properties carries none
    /// (<see cref="RoutedMessage.EngineProperties"/> null, as the engine reads it).</summary>
    StoredMessage ReadStoredMessage()
    {
        var select = _select;
        var qos = (int)select.Int64(3);
        var message = new RoutedMessage(_topics.Get(select.Bytes(1)), select.Bytes(2).ToArray(), qos, select.Int64(4) != 0)
        {
            EngineProperties = select.IsNull(6) ? null : MessageProperties.Restore(select.Bytes(6), select.Int64(11)),
            SenderClientId = select.IsNull(7) ? null : _senders.Get(select.Bytes(7)),
            PublishedAtMs = select.Int64(8),
            MessageExpiryInterval = (uint)select.Int64(9),
        };
        var identifiers = select.IsNull(5) ? null : SubscriptionIdentifiers(select.Bytes(5));
        return new StoredMessage(select.Int64(0), message, qos, message.Retain, identifiers, select.Int64(10));
    }

    /// <summary>Subscription identifiers as stored: decimal numbers separated by commas.</summary>
    static int[] SubscriptionIdentifiers(ReadOnlySpan<byte> text)
    {
        var identifiers = new int[text.Count((byte)',') + 1];
        for (var i = 0; i < identifiers.Length; i++)
        {
            var comma = text.IndexOf((byte)',');
            var number = comma < 0 ? text : text[..comma];
            if (!Utf8Parser.TryParse(number, out identifiers[i], out _))
            {
                throw new FormatException($"A stored message's subscription identifiers are damaged: '{Encoding.UTF8.GetString(text)}'.");
            }

            text = comma < 0 ? [] : text[(comma + 1)..];
        }

        return identifiers;
    }

    /// <summary>A message's row, waiting for its batch; its publisher waits for it.</summary>
    sealed class InsertRow(SqliteOfflineStore store, string clientId, StoredMessage stored, long size) : GroupCommit.Change
    {
        public StoredMessage Stored => stored;

        public override bool IsAwaited => true;

        public override void Write()
        {
            var insert = store._insert;
            var message = stored.Message;
            insert.Bind(1, stored.Id);
            insert.Bind(2, clientId);
            insert.Bind(3, message.Topic);
            insert.Bind(4, Payload(message));
            insert.Bind(5, stored.Qos);
            insert.Bind(6, stored.Retain ? 1 : 0);
            insert.Bind(7, stored.SubscriptionIdentifiers is null ? null : string.Join(',', stored.SubscriptionIdentifiers));
            if (MessageProperties.Encode(Mqtt5Properties.Of(message.EngineProperties)) is { } properties)
            {
                insert.Bind(8, properties);
            }
            else
            {
                insert.BindNull(8);
            }

            insert.Bind(9, message.SenderClientId);
            insert.Bind(10, message.PublishedAtMs);
            insert.Bind(11, message.MessageExpiryInterval);
            insert.Bind(12, stored.ExpiresAtMs);
            insert.Bind(13, MessageFootprint.PropertiesOf(message.EngineProperties));
            insert.Execute();
        }

        /// <summary>Kept: acknowledged messages' rows may wait for a later deletion again.</summary>
        public override void Committed() => store._deleteAtOnce = false;

        /// <summary>Not kept after all: its place in the quota is free again, and its copy is gone; until a commit
        /// succeeds, acknowledged messages' rows are deleted at once, to make room.</summary>
        public override void RolledBack()
        {
            store._copies.Remove(clientId, stored.Id);
            store.Forget(clientId, new Deleted { Count = 1, Bytes = size });
            store._deleteAtOnce = true;
        }
    }

    /// <summary>
    /// Acknowledged messages' deletions, collected while the batch waits in the group commit's queue
    /// (<see cref="GroupCommit.Collect"/>; at most <see cref="GroupCommit.UnawaitedLimit"/>); nobody waits for them. Each
    /// client's runs of consecutive ids are recorded for a later deletion of their rows (<see cref="DeletionRuns"/>),
    /// the other ids deleted with one statement per client — unless a commit failed since the last one that kept messages
    /// (a full disk or database): then every row is deleted at once, and as many rows of the runs still waiting as keep
    /// the transaction within <see cref="SqliteDatabase.DeletedRowsPerTransaction"/>, in queue order, before the inserts
    /// queued after the batch, so the batch makes room first. A receiver may acknowledge a message before the commit
    /// holding its row (it is sent before), so its deletion may join this batch after the row's insert was queued: runs
    /// are recorded once the batch's inserts are written (<see cref="WriteAfterBatch"/>), and deletions that did not all
    /// find their rows run again then; nothing joins a batch once a commit took it (the row of anything acknowledged
    /// after that is in this commit or a later one). An id inside a waiting run (the old session's acknowledgement that
    /// comes after its clear) is left to the run: the quota let it go with the run.
    /// </summary>
    sealed class DeleteBatch(SqliteOfflineStore store) : GroupCommit.CollectingChange
    {
        /// <summary>The ids per client.</summary>
        readonly Dictionary<string, List<long>> _ids = new(StringComparer.Ordinal);
        readonly Dictionary<string, Deleted> _deleted = new(StringComparer.Ordinal);

        /// <summary>How many of a client's ids <see cref="Write"/> deleted rows for (the rest are in runs recorded
        /// later).</summary>
        readonly Dictionary<string, int> _deletedIds = new(StringComparer.Ordinal);

        /// <summary>The runs this batch recorded, and the waiting runs whose rows it deleted.</summary>
        readonly List<DeletionRuns.Run> _recorded = [];
        List<DeletionRuns.Run>? _purged;
        bool _atOnce;

        /// <summary>Under the group commit's queue lock.</summary>
        public override void Add(string clientId, long id)
        {
            if (!_ids.TryGetValue(clientId, out var ids))
            {
                ids = [];
                _ids[clientId] = ids;
            }

            ids.Add(id);
        }

        public override void Write()
        {
            _atOnce = store._deleteAtOnce;
            if (_atOnce)
            {
                _purged = store._deletionRuns.DeleteWaiting(null, SqliteDatabase.DeletedRowsPerTransaction - Count);
            }

            foreach (var (clientId, ids) in _ids)
            {
                store._deletionRuns.RemoveCovered(clientId, ids);
                _deleted[clientId] = store.Delete(clientId, ids, deleteRuns: _atOnce);
                _deletedIds[clientId] = _atOnce ? ids.Count : store._scattered.Count;
            }
        }

        public override void WriteAfterBatch()
        {
            var any = _purged is { Count: > 0 };
            foreach (var (clientId, ids) in _ids)
            {
                var deleted = _deleted[clientId];
                if (deleted.Count < _deletedIds[clientId])
                {
                    deleted.Add(store.Delete(clientId, ids, deleteRuns: _atOnce));
                }

                any |= deleted.Count > 0;
                if (!_atOnce)
                {
                    deleted.Add(store.RecordRuns(clientId, ids, _recorded));
                }

                _deleted[clientId] = deleted;
            }

            if (any)
            {
                store.RecordLastIdOnce();
            }
        }

        public override void Committed()
        {
            foreach (var (clientId, deleted) in _deleted)
            {
                store.Forget(clientId, deleted);
            }

            if (_purged is not null)
            {
                store._deletionRuns.Purged(_purged);
            }

            if (_recorded.Count > 0)
            {
                store._deletionRuns.Committed(_recorded);
            }
        }

        public override void RolledBack()
        {
            _deleted.Clear();
            _recorded.Clear();
            _purged = null;
            store._recordedLastId = 0;
            store._deleteAtOnce = true;
        }
    }

    /// <summary>
    /// A deletion of a client's messages as two prepared statements with one condition: a count of the rows it finds and
    /// their size (for the quota), then the DELETE. Not <c>DELETE … RETURNING</c>: SQLite keeps every returned row in a
    /// temporary b-tree before it returns the first — measured alone in SQLite (100,000 rows, 256 per transaction),
    /// 1.5–1.8 µs per deleted row against 0.53 for counting, then deleting. Both run in the caller's transaction, under
    /// the database's lock, so they see the same rows.
    /// </summary>
    sealed class Deletion(SqliteDatabase database, string condition)
    {
        readonly SqliteStatement _count = database.RawStatement(
            $"SELECT COUNT(*), COALESCE(SUM({QuotaBytes}), 0) FROM offline_messages WHERE " + condition);
        readonly SqliteStatement _delete = database.RawStatement("DELETE FROM offline_messages WHERE " + condition);

        public void Bind(int index, string value)
        {
            _count.Bind(index, value);
            _delete.Bind(index, value);
        }

        public void Bind(int index, long value)
        {
            _count.Bind(index, value);
            _delete.Bind(index, value);
        }

        public void BindText(int index, ReadOnlySpan<byte> utf8)
        {
            _count.BindText(index, utf8);
            _delete.BindText(index, utf8);
        }

        /// <summary>Deletes the bound rows and returns how many there were and their size.</summary>
        public Deleted Run()
        {
            var deleted = Count();
            _delete.Execute();
            return deleted;
        }

        /// <summary>How many rows are bound, and their size.</summary>
        public Deleted Count()
        {
            try
            {
                _count.Step();
                return new Deleted { Count = (int)_count.Int64(0), Bytes = _count.Int64(1) };
            }
            finally
            {
                _count.Reset();
            }
        }
    }

    /// <summary>Rows a deletion found, and their size as the quota counts it.</summary>
    struct Deleted
    {
        public int Count;
        public long Bytes;

        public void Add(Deleted more)
        {
            Count += more.Count;
            Bytes += more.Bytes;
        }
    }

    /// <summary>The string of the last UTF-8 text read, reused while the same text is read again.</summary>
    sealed class RepeatedText
    {
        byte[] _bytes = [];
        string _text = "";

        public string Get(ReadOnlySpan<byte> utf8)
        {
            if (!utf8.SequenceEqual(_bytes))
            {
                _bytes = utf8.ToArray();
                _text = Encoding.UTF8.GetString(utf8);
            }

            return _text;
        }
    }

    sealed class ClientUsage
    {
        public int Count;
        public long Bytes;
    }
}
