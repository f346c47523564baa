using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// A statement the store runs once or more per message, prepared once and driven through SQLite's C API (SQLitePCLRaw,
/// under Microsoft.Data.Sqlite): parameters bound by position, columns read by position, both on the statement's native
/// pointer (<see cref="SqliteColumns"/>), nothing allocated per execution.
/// <see cref="SqliteCommand"/> looks every parameter up by name (a UTF-8 conversion and a native lookup each) and builds
/// a data reader on every execution — measured while storing, binding was two thirds of the group commit's CPU.
/// Created by <see cref="SqliteDatabase.RawStatement"/>, which finalizes it before the connection closes; used only under
/// <see cref="SqliteDatabase.Sync"/>, inside the database's transaction or as its own. Placeholders are <c>?1</c>, <c>?2</c>, ….
/// </summary>
public sealed class SqliteStatement : IDisposable
{
    /// <summary>SQLITE_PREPARE_PERSISTENT: the statement lives long and is run many times.</summary>
    const uint PreparePersistent = 1;

    readonly sqlite3 _database;
    readonly sqlite3_stmt _statement;

    /// <summary>The statement's native pointer, for the direct column and bind calls (<see cref="SqliteColumns"/>);
    /// valid until <see cref="Dispose"/>, which runs only once the database is no longer used.</summary>
    readonly nint _handle;

    /// <summary>Text parameters encoded here (SQLite copies bound text): no array per bound string.</summary>
    byte[] _text = new byte[256];

    internal SqliteStatement(sqlite3 database, string sql)
    {
        _database = database;
        var rc = raw.sqlite3_prepare_v3(database, sql, PreparePersistent, out _statement);
        SqliteException.ThrowExceptionForRC(rc, database);
        _handle = _statement.DangerousGetHandle();
    }

    public void Bind(int index, long value) => Check(SqliteColumns.BindInt64(_handle, index, value));

    /// <summary>Binds <paramref name="value"/> as UTF-8 text, or NULL.</summary>
    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }

        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _text.Length)
        {
            _text = new byte[length];
        }

        BindText(index, _text.AsSpan(0, Encoding.UTF8.GetBytes(value, _text)));
    }

    /// <summary>Binds UTF-8 <paramref name="utf8"/> as text (SQLite copies it).</summary>
    public void BindText(int index, ReadOnlySpan<byte> utf8) => Check(SqliteColumns.BindText(_handle, index, utf8));

    /// <summary>Binds <paramref name="value"/> as a BLOB (SQLite copies it).</summary>
    public void Bind(int index, ReadOnlySpan<byte> value) => Check(SqliteColumns.BindBlob(_handle, index, value));

    public void BindNull(int index) => Check(SqliteColumns.BindNull(_handle, index));

    /// <summary>Runs the statement to its next row: true when there is one (read it with the column getters), false
    /// when it is done. On an error (SQLITE_FULL, SQLITE_IOERR, …) the statement is reset and a
    /// <see cref="SqliteException"/> thrown, as <see cref="SqliteCommand"/> would.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        try
        {
            SqliteException.ThrowExceptionForRC(rc, _database);
            return false;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a statement that returns no rows (or whose rows are not wanted), then <see cref="Reset"/>s it.</summary>
    public void Execute()
    {
        try
        {
            while (Step())
            {
            }
        }
        finally
        {
            Reset();
        }
    }

    /// <summary>Ready to run again, bindings kept; ends the statement's read of the database (a statement left
    /// stepping holds its read transaction open), so every use ends with it.</summary>
    public void Reset() => raw.sqlite3_reset(_statement);

    /// <summary>The rows the last INSERT, UPDATE or DELETE run on the connection changed (this statement's, right after
    /// it ran).</summary>
    public int Changes() => raw.sqlite3_changes(_database);

    public long Int64(int column) => SqliteColumns.Int64(_handle, column);

    public bool IsNull(int column) => SqliteColumns.Type(_handle, column) == raw.SQLITE_NULL;

    /// <summary>A BLOB column's bytes, or a TEXT column's UTF-8 bytes; valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Bytes(int column) => SqliteColumns.Bytes(_handle, column);

    public void Dispose() => _statement.Dispose();

    void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _database);
        }
    }
}
