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
        // Runs of acknowledged offline messages whose rows are deleted later (AcknowledgedRuns).
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

    SqliteDatabase(SqliteConnection connection, string path)
    {
        _connection = connection;
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

    /// <summary>With a size limit, the write-ahead log is held to this fraction of it (1 / WalShare).</summary>
    const long WalShare = 4;

    /// <summary>The group commit every queued row change goes through.</summary>
    public GroupCommit Writes { get; }

    /// <summary>Opens (or creates) <see cref="FileName"/> in <paramref name="dataDirectory"/>, which must exist. Throws
    /// <see cref="StoreUnavailableException"/>, naming the file and what to do, when SQLite cannot use the file.</summary>
    /// <param name="maxBytes">Largest size the file may grow to (SQLite's max_page_count, never below what it holds
    /// already); 0 sets no limit. Writes beyond it fail with SQLITE_FULL, as on a full disk. The write-ahead log is held
    /// to a quarter of it too (<see cref="WalShare"/>), so the two together stay within 1.25 times the limit.</param>
    /// <param name="synchronous">When a commit reaches the disk (SQLite's PRAGMA synchronous).</param>
    public static SqliteDatabase Open(string dataDirectory, long maxBytes = 0, SqliteSynchronous synchronous = SqliteSynchronous.Normal)
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
            if (maxBytes > 0)
            {
                // max_page_count bounds the database file only. The log grows by every committed page until a
                // checkpoint (SQLite's default: at 1,000 pages, 4 MB) and keeps its size after one: on a disk sized for
                // the limit it could fill the disk first — and then not even a deletion of acknowledged rows can be
                // written. So it is checkpointed at a quarter of the limit and cut back to that after each checkpoint.
                var pageSize = Convert.ToInt64(Scalar(connection, "PRAGMA page_size;"));
                var walBytes = Math.Max(pageSize * 8, maxBytes / WalShare);
                Execute(connection, $"PRAGMA max_page_count = {Math.Max(1, maxBytes / pageSize)}; " +
                    $"PRAGMA wal_autocheckpoint = {walBytes / pageSize}; PRAGMA journal_size_limit = {walBytes};");
            }

            return new SqliteDatabase(connection, path);
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
