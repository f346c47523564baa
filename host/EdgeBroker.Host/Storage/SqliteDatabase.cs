using EdgeBroker.Core;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// The broker's one SQLite database (WAL mode) in the data directory: opened and checked at start, its schema created
/// or migrated by version (PRAGMA user_version). One connection, used under a lock (<see cref="Sync"/>): SQLite serialises
/// writers anyway, and with the lock SQLite needs no mutex of its own.
/// Offline messages are written by group commit (<see cref="Writes"/>), many publishers' messages per transaction.
/// With <see cref="SqliteSynchronous.Normal"/> (the default) a commit survives a crash of the broker (kill -9); with
/// <see cref="SqliteSynchronous.Full"/> it also survives a power loss, at the price of an fsync per commit.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    public const string FileName = "edgebroker.db";

    /// <summary>Migrations by the version they produce; index 0 creates version 1. Append, never edit.</summary>
    static readonly string[] Migrations =
    [
        """
        CREATE TABLE sessions (
            client_id TEXT PRIMARY KEY,
            expiry_seconds INTEGER NOT NULL,
            disconnected_at_ms INTEGER NOT NULL);
        CREATE TABLE subscriptions (
            client_id TEXT NOT NULL,
            filter TEXT NOT NULL,
            qos INTEGER NOT NULL,
            no_local INTEGER NOT NULL,
            retain_as_published INTEGER NOT NULL,
            identifier INTEGER NOT NULL,
            PRIMARY KEY (client_id, filter));
        CREATE TABLE offline_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            client_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_ids TEXT,
            properties BLOB,
            sender_client_id TEXT,
            published_at_ms INTEGER NOT NULL,
            expiry_interval INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL);
        CREATE INDEX offline_messages_by_client ON offline_messages (client_id, id);
        CREATE TABLE retained_messages (
            topic TEXT PRIMARY KEY,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            properties BLOB,
            expiry_interval INTEGER NOT NULL);
        """,
        """
        CREATE TABLE devices (
            client_id TEXT PRIMARY KEY,
            group_id TEXT NOT NULL,
            display_name TEXT NOT NULL,
            salt BLOB NOT NULL,
            secret_hash BLOB NOT NULL,
            revoked INTEGER NOT NULL,
            paired_at_ms INTEGER NOT NULL);
        CREATE TABLE tokens (
            hash TEXT PRIMARY KEY,
            access_key_id TEXT NOT NULL,
            parent_topics TEXT NOT NULL,
            can_read INTEGER NOT NULL,
            can_write INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL);
        """,
        """
        CREATE TABLE uplink_queue (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            uplink TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            dedupe_id TEXT NOT NULL,
            enqueued_at_ms INTEGER NOT NULL,
            properties BLOB,
            size INTEGER NOT NULL);
        CREATE INDEX uplink_queue_by_uplink ON uplink_queue (uplink, sequence);
        CREATE TABLE uplink_dedupe (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sender TEXT NOT NULL,
            dedupe_id TEXT NOT NULL);
        """,
        // Offline messages without AUTOINCREMENT: its sqlite_sequence update was a third page written per commit
        // (measured: 20-40% of the store's CPU per message). The store gives the ids itself and records the highest it
        // gave in offline_ids only when it deletes messages, so ids still never go back (SqliteOfflineStore).
        """
        CREATE TABLE offline_ids (last INTEGER NOT NULL);
        INSERT INTO offline_ids SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'offline_messages';
        CREATE TABLE offline_messages_v4 (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_ids TEXT,
            properties BLOB,
            sender_client_id TEXT,
            published_at_ms INTEGER NOT NULL,
            expiry_interval INTEGER NOT NULL,
            expires_at_ms INTEGER NOT NULL);
        INSERT INTO offline_messages_v4 SELECT id, client_id, topic, payload, qos, retain, subscription_ids, properties, sender_client_id,
                                               published_at_ms, expiry_interval, expires_at_ms FROM offline_messages;
        DROP TABLE offline_messages;
        ALTER TABLE offline_messages_v4 RENAME TO offline_messages;
        CREATE INDEX offline_messages_by_client ON offline_messages (client_id, id);
        """,
        // Runs of acknowledged offline messages whose rows are deleted later (DeletionRuns, which since keeps expired and
        // cleared messages' runs in it too, with the same meaning: the client's rows in the range are gone).
        """
        CREATE TABLE offline_acknowledged (
            client_id TEXT NOT NULL,
            first INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (client_id, first)) WITHOUT ROWID;
        """,
        // A federated P2P message queued for an uplink with retained routes, addressed when it leaves the queue: the hop
        // count it had (UplinkEntry.P2PHops); NULL for every other entry, and for those queued before.
        """
        ALTER TABLE uplink_queue ADD COLUMN p2p_hops INTEGER;
        """,
        // When each retained message was published, so its MQTT 5 expiry interval runs from then across restarts. What
        // version 6 kept has no such time: its lifetime starts at this upgrade, as it used to at every start.
        """
        ALTER TABLE retained_messages ADD COLUMN published_at_ms INTEGER NOT NULL DEFAULT 0;
        UPDATE retained_messages SET published_at_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER);
        """,
        // What each offline message's MQTT 5 properties count against the per-client quota (their FootprintBytes),
        // so the quota counted again at start agrees with what was counted as the messages were kept. Rows kept before
        // count their stored JSON's length and 112 bytes (MessageFootprint.PerUserPropertyBytes) per user property: a
        // little more than such a message counts now, since the JSON spells out names and Base64 values.
        """
        ALTER TABLE offline_messages ADD COLUMN property_bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE offline_messages
        SET property_bytes = LENGTH(properties) + 112 * COALESCE(json_array_length(CAST(properties AS TEXT), '$.UserProperties'), 0)
        WHERE properties IS NOT NULL;
        """,
        // What each uplink entry's MQTT 5 properties count against the queue's bound (UplinkEntry.SizeOf), so an entry
        // read back — after a restart too — is let go as its stored size counted it. Entries queued before count 0, as
        // their stored size did.
        """
        ALTER TABLE uplink_queue ADD COLUMN property_bytes INTEGER NOT NULL DEFAULT 0;
        """,
    ];

    readonly SqliteConnection _connection;

    /// <summary>The statements <see cref="RawStatement"/> made, finalized before the connection closes.</summary>
    readonly List<SqliteStatement> _rawStatements = [];

    /// <summary>The group commit's transaction (<see cref="BeginBatch"/>).</summary>
    readonly SqliteStatement _begin;
    readonly SqliteStatement _commit;
    readonly SqliteStatement _rollback;

    /// <summary>
    /// SQLite in multi-thread mode: a connection without a mutex of its own. SQLite is built serialized, locking the
    /// connection's mutex on every call — each column read and bind — which was 7 % of the broker's CPU while draining
    /// (perf); the lock here (<see cref="Sync"/>) already serializes every use of the one connection, statements and
    /// their disposal included, which is all multi-thread mode asks. Set once per process, before SQLite is first
    /// initialized; where something opened SQLite before (another library in the same process), it stays serialized,
    /// which is as correct and only slower.
    /// </summary>
    static SqliteDatabase()
    {
        Batteries_V2.Init();
        raw.sqlite3_config(raw.SQLITE_CONFIG_MULTITHREAD);
    }

    SqliteDatabase(SqliteConnection connection, string path, DiskReserve reserve, long walBytes, long limitPages)
    {
        _connection = connection;
        _reserve = reserve;
        _walBytes = walBytes;
        _limitPages = limitPages;
        Path = path;
        _begin = RawStatement("BEGIN IMMEDIATE");
        _commit = RawStatement("COMMIT");
        _rollback = RawStatement("ROLLBACK");
        Writes = new GroupCommit(this);
    }

    public string Path { get; }

    /// <summary>Held for every use of the connection, its statements and their disposal: SQLite runs without a mutex of
    /// its own (multi-thread mode), so nothing may touch the connection without it.</summary>
    public object Sync { get; } = new();

    /// <summary>The write-ahead log is held to this fraction of the size limit (or of the disk's free space at start,
    /// without one): the log, its overrun and the reserve (<see cref="DiskReserve"/>) take four such shares, so the
    /// database gets the other twelve and everything stays within the limit.</summary>
    const long WalShare = 16;

    /// <summary>The write-ahead log's bound on a large disk (256 pages of 4 KB; SQLite's default is 1,000).</summary>
    const long MaxWalBytes = 1024 * 1024;

    /// <summary>The most rows a transaction deletes when many go at once (the uplink queue's drained entries; offline
    /// messages acknowledged, expired or cleared with their session: <see cref="DeletionRuns"/>): a transaction's pages
    /// must fit in the write-ahead log's room and are held under the write lock until it commits. On a disk that was
    /// full, the whole drained uplink queue deleted at once (1,165 rows of 1 KB) needed more log than the disk had,
    /// failed every time, and the rows — and the refusals — stayed for good; an offline backlog of 50,000 messages
    /// drained from memory was deleted in one transaction that took the log from its 1 MB bound to 8.5 MB, and a clear
    /// or an expiry of 50,000 to 5.8–6.0 MB.</summary>
    public const int DeletedRowsPerTransaction = 128;

    /// <summary>SQLite's own maximum of max_page_count: no limit.</summary>
    const long UnlimitedPages = 4294967294;

    /// <summary>The reserve file in the data directory, beside the database.</summary>
    public const string ReserveFileName = "edgebroker.reserve";

    /// <summary>How often, at most, a database that gave up its reserve looks whether the disk has room again.</summary>
    const long RoomCheckIntervalMs = 1000;

    readonly DiskReserve _reserve;
    readonly long _walBytes;
    readonly long _limitPages;
    bool _frozen;
    long _nextRoomCheckMs;

    /// <summary>The database may not grow beyond its file: it gave up its reserve on a full disk and waits for room
    /// (<see cref="MakeRoom"/>).</summary>
    public bool IsFrozen => _frozen;

    /// <summary>
    /// After a write failed because the disk or the size limit is full (under <see cref="Sync"/>): when it is the disk
    /// (less free than the log's bound), gives up the reserve file, checkpoints the log into the database file —
    /// which may need the database file to grow by what the log holds, the reserve's room — and truncates it, and from
    /// then on keeps the database within its file (max_page_count at its page count): every later checkpoint only
    /// overwrites pages, so deletions can always be written, their pages are reused by new rows, and the store takes
    /// messages again as soon as acknowledged ones are deleted. Returns whether the log was checkpointed (a retry may
    /// succeed). <see cref="GrowIfRoom"/> lifts the freeze once the disk has room again.
    /// </summary>
    public bool MakeRoom()
    {
        if (!_frozen)
        {
            if (_reserve.FreeBytes() >= _walBytes)
            {
                return false;
            }

            // Frozen at once, before the checkpoint: SQLite then holds the database to what it has now, whose pages
            // beyond the file the released room takes, even if this checkpoint fails and a later one does it.
            _reserve.Release();
            Freeze();
            _nextRoomCheckMs = Clock.MonotonicMs() + RoomCheckIntervalMs;
        }

        return TryCheckpoint(_connection);
    }

    /// <summary>After a commit (under <see cref="Sync"/>), at most once a second while frozen: once the disk has room
    /// for the reserve and a full log, the reserve is made again and the database may grow up to its limit.</summary>
    internal void GrowIfRoom()
    {
        if (_frozen && Clock.MonotonicMs() >= _nextRoomCheckMs)
        {
            _nextRoomCheckMs = Clock.MonotonicMs() + RoomCheckIntervalMs;
            if (_reserve.FreeBytes() >= ReserveBytes + _walBytes)
            {
                Grow();
            }
        }
    }

    long ReserveBytes => 2 * _walBytes;

    void Grow()
    {
        if (_reserve.TryMake(ReserveBytes))
        {
            Execute(_connection, $"PRAGMA max_page_count = {_limitPages};");
            _frozen = false;
        }
        else
        {
            Freeze();
        }
    }

    void Freeze()
    {
        // max_page_count may not go below what the database holds: its page count, all in the file after the checkpoint.
        Execute(_connection, "PRAGMA max_page_count = 1;");
        _frozen = true;
    }

    /// <summary>Checkpoints the whole log into the database file and truncates it; false when that could not be done
    /// (no room for the database file to grow, or a statement still reading).</summary>
    static bool TryCheckpoint(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt32(0) == 0 && reader.GetInt64(1) == reader.GetInt64(2);
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    static long FreeBytesOf(string directory) => new DriveInfo(directory).AvailableFreeSpace;

    /// <summary>The group commit every queued row change goes through.</summary>
    public GroupCommit Writes { get; }

    /// <summary>Opens (or creates) <see cref="FileName"/> in <paramref name="dataDirectory"/>, which must exist. Throws
    /// <see cref="StoreUnavailableException"/>, naming the file and what to do, when SQLite cannot use the file.</summary>
    /// <param name="maxBytes">Largest size the database, its write-ahead log and the reserve file together may take
    /// (the database gets three quarters: SQLite's max_page_count, never below what it holds already; see
    /// <see cref="WalShare"/>); 0 sets no limit. Writes beyond it fail with SQLITE_FULL, as on a full disk.</param>
    /// <param name="synchronous">When a commit reaches the disk (SQLite's PRAGMA synchronous).</param>
    /// <param name="freeBytes">The bytes free on the file system holding a path (the disk's gauge; tests pass their
    /// own).</param>
    public static SqliteDatabase Open(string dataDirectory, long maxBytes = 0, SqliteSynchronous synchronous = SqliteSynchronous.Normal,
        Func<string, long>? freeBytes = null)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDirectory, FileName));
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();

            // SQLite opens a file this user may not write read-only, without a word: the broker would fail at its
            // first write instead of at start.
            if (raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw ReadOnly(path, "this user may not write to the file");
            }

            Execute(connection, $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()}; PRAGMA foreign_keys = ON;");
            var check = Scalar(connection, "PRAGMA quick_check;") as string;
            if (check != "ok")
            {
                throw Corrupt(path, $"the integrity check reports: {check}");
            }

            Migrate(connection, path);
            freeBytes ??= FreeBytesOf;
            var pageSize = Convert.ToInt64(Scalar(connection, "PRAGMA page_size;"));
            var reserve = new DiskReserve(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, ReserveFileName), freeBytes);

            // A reserve left by the last run is kept when it has the size this run works out (Grow below); it is given
            // back first only when the checkpoint of what a crash left in the log needs its room.
            if (!TryCheckpoint(connection))
            {
                reserve.Release();
                TryCheckpoint(connection);
            }

            // The log takes every committed page until a checkpoint copies them into the database file, which then
            // grows; on a full disk neither can grow, so not even the deletion of acknowledged rows can be written and
            // nothing ever comes back (a reviewer's 2 MB disk: the whole store sat in a 2 MB log). So the log is
            // checkpointed at a bound (a sixteenth of the limit or of the free space, at most 1 MB) and cut back to it,
            // and a reserve file of twice that — what a checkpoint of a log that overran its bound needs — is kept to be
            // given up when the disk is full (MakeRoom).
            // The reserve's own room counts as free, so the sizes come out the same whether or not it is there.
            var budget = maxBytes > 0 ? maxBytes : freeBytes(dataDirectory) + reserve.Bytes;
            var walBytes = Math.Clamp(budget / WalShare / pageSize * pageSize, pageSize * 4, MaxWalBytes);
            var limitPages = maxBytes > 0 ? Math.Max(maxBytes / 2, maxBytes - 4 * walBytes) / pageSize : UnlimitedPages;
            Execute(connection, $"PRAGMA wal_autocheckpoint = {walBytes / pageSize}; PRAGMA journal_size_limit = {walBytes};");
            var database = new SqliteDatabase(connection, path, reserve, walBytes, limitPages);
            database.Grow();
            return database;
        }
        catch (SqliteException e) when (Unusable(path, e) is { } unusable)
        {
            connection.Dispose();
            throw unusable;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>SQLite could not write because the disk or the database's size limit is full (SQLITE_FULL) or the
    /// disk failed the write (SQLITE_IOERR): what was committed before is intact.</summary>
    public static bool IsCannotWrite(SqliteException e) => e.SqliteErrorCode is 13 or 10;

    public SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public SqliteTransaction BeginTransaction() => _connection.BeginTransaction();

    /// <summary>Opens the group commit's transaction (under <see cref="Sync"/>; statements run meanwhile, raw or
    /// <see cref="SqliteCommand"/>s without a transaction set, are part of it), with BEGIN, COMMIT and ROLLBACK prepared
    /// once: <see cref="SqliteTransaction"/> prepares each anew, times it and installs a rollback hook — measured, a
    /// third of the commit thread's CPU while storing.</summary>
    internal void BeginBatch() => _begin.Execute();

    /// <summary>Commits the group commit's transaction; throws as a statement does when SQLite cannot write.</summary>
    internal void CommitBatch() => _commit.Execute();

    /// <summary>Rolls the group commit's transaction back, unless SQLite already did (it may, after SQLITE_FULL or
    /// SQLITE_IOERR) or the database is closed.</summary>
    internal void RollBackBatch()
    {
        try
        {
            if (raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                _rollback.Execute();
            }
        }
        catch (Exception e) when (e is SqliteException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>A statement run many times in <paramref name="transaction"/> (a batch), with its parameters created
    /// once, in the order of <paramref name="parameterNames"/>: set <c>Parameters[i].Value</c> and execute per row.</summary>
    public SqliteCommand Prepared(SqliteTransaction transaction, string sql, params string[] parameterNames)
    {
        var command = Statement(sql, parameterNames);
        command.Transaction = transaction;
        return command;
    }

    /// <summary>A statement kept for the database's lifetime and run many times (SQLite prepares it once), with its
    /// parameters created once in the order of <paramref name="parameterNames"/>.</summary>
    public SqliteCommand Statement(string sql, params string[] parameterNames)
    {
        var command = Command(sql);
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    /// <summary>A statement run per message (<see cref="SqliteStatement"/>: bound and read by position through SQLite's
    /// C API), kept for the database's lifetime.</summary>
    public SqliteStatement RawStatement(string sql)
    {
        lock (Sync)
        {
            var statement = new SqliteStatement(_connection.Handle!, sql);
            _rawStatements.Add(statement);
            return statement;
        }
    }

    /// <summary>Runs one statement with named parameters as its own committed transaction, under <see cref="Sync"/>.</summary>
    public void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        lock (Sync)
        {
            using var command = Command(sql);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            command.ExecuteNonQuery();
        }
    }

    /// <summary>Commits what is queued, then closes the file.</summary>
    public void Dispose()
    {
        Writes.Dispose();
        lock (Sync)
        {
            foreach (var statement in _rawStatements)
            {
                statement.Dispose();
            }

            _connection.Dispose();
        }
    }

    static void Migrate(SqliteConnection connection, string path)
    {
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
        if (version > Migrations.Length)
        {
            throw new StoreUnavailableException(
                $"{path} was written by a newer EdgeBroker (schema version {version}; this one knows up to {Migrations.Length}). " +
                "Run the newer version, or move the file away to start with an empty store.");
        }

        for (; version < Migrations.Length; version++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, Migrations[version], transaction);
            Execute(connection, $"PRAGMA user_version = {version + 1};", transaction);
            transaction.Commit();
        }
    }

    /// <summary>What keeps SQLite from using the file, for the operator; null for an error that is not about the file
    /// (a statement of the broker's own that SQLite refused is a bug, and stays one).</summary>
    static StoreUnavailableException? Unusable(string path, SqliteException e)
    {
        var detail = e.Message.TrimEnd('.');
        return e.SqliteErrorCode switch
        {
            11 or 26 => Corrupt(path, e.Message, e), // SQLITE_CORRUPT, SQLITE_NOTADB
            14 when Directory.Exists(path) => new($"The data store {path} is a directory, not a database file. Move it away or choose another --data-dir.", e),
            3 or 14 => new($"The data store {path} cannot be opened ({detail}). {AccessRemedy}", e), // SQLITE_PERM, SQLITE_CANTOPEN
            8 => ReadOnly(path, detail, e), // SQLITE_READONLY
            5 or 6 => new($"The data store {path} is locked by another program ({detail}). Stop it and start again.", e), // SQLITE_BUSY, SQLITE_LOCKED
            _ when IsCannotWrite(e) => new($"The data store {path} cannot be written ({detail}). Check the disk and its free space.", e),
            _ => null,
        };
    }

    const string AccessRemedy = "Give the broker's user read and write access to it and its -wal/-shm files, or choose another --data-dir.";

    static StoreUnavailableException ReadOnly(string path, string detail, Exception? inner = null) =>
        new($"The data store {path} is read-only ({detail}). {AccessRemedy}", inner);

    static StoreUnavailableException Corrupt(string path, string detail, Exception? inner = null) =>
        new($"The data store {path} is damaged or not an EdgeBroker database ({detail}). " +
            "Nothing was changed. Restore it from a backup, or move it (and its -wal/-shm files) away to start with an empty store.",
            inner);

    static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
