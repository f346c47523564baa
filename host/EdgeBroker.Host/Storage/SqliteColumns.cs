using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// SQLite's binding and column functions called directly on a statement's native pointer, for the statements the store
/// runs per message (<see cref="SqliteStatement"/>): eleven columns read per drained message, twelve parameters bound
/// per stored one. Through SQLitePCLRaw each call went through its provider interface and a <see cref="SafeHandle"/>
/// reference count (an interlocked add and release); these are plain calls without the runtime's GC transition, which
/// SQLite's bind and column functions allow: they neither block nor call back, and return at once. The library is the
/// one SQLitePCLRaw loads (e_sqlite3, shipped with Microsoft.Data.Sqlite), so the pointer is of the same SQLite.
/// </summary>
static unsafe partial class SqliteColumns
{
    const string Library = "e_sqlite3";

    /// <summary>SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.</summary>
    static readonly nint Transient = -1;

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    public static partial long Int64(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    [SuppressGCTransition]
    public static partial int Type(nint statement, int column);

    /// <summary>A BLOB column's bytes, or a TEXT column's UTF-8 bytes; valid until the next step or reset.</summary>
    public static ReadOnlySpan<byte> Bytes(nint statement, int column)
    {
        // The pointer first, then its length: SQLite's documented order (the length is of the value as returned).
        var bytes = Blob(statement, column);
        var length = ByteCount(statement, column);
        return bytes is null ? [] : new ReadOnlySpan<byte>(bytes, length);
    }

    public static int BindInt64(nint statement, int index, long value) => BindInt64Native(statement, index, value);

    public static int BindNull(nint statement, int index) => BindNullNative(statement, index);

    /// <summary>Binds <paramref name="utf8"/> as text (copied); an empty span binds the empty string, not NULL.</summary>
    public static int BindText(nint statement, int index, ReadOnlySpan<byte> utf8)
    {
        byte empty = 0;
        fixed (byte* bytes = utf8)
        {
            return BindTextNative(statement, index, bytes is null ? &empty : bytes, utf8.Length, Transient);
        }
    }

    /// <summary>Binds <paramref name="value"/> as a BLOB (copied); an empty span binds an empty BLOB, not NULL.</summary>
    public static int BindBlob(nint statement, int index, ReadOnlySpan<byte> value)
    {
        byte empty = 0;
        fixed (byte* bytes = value)
        {
            return BindBlobNative(statement, index, bytes is null ? &empty : bytes, value.Length, Transient);
        }
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    [SuppressGCTransition]
    private static partial byte* Blob(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [SuppressGCTransition]
    private static partial int ByteCount(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [SuppressGCTransition]
    private static partial int BindInt64Native(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    [SuppressGCTransition]
    private static partial int BindNullNative(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    [SuppressGCTransition]
    private static partial int BindTextNative(nint statement, int index, byte* text, int length, nint destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_blob")]
    [SuppressGCTransition]
    private static partial int BindBlobNative(nint statement, int index, byte* value, int length, nint destructor);
}
