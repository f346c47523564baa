namespace EdgeBroker.Host.Storage;

/// <summary>
/// A file of zeros in the data directory that holds disk space for the one moment a full disk needs it: SQLite can
/// neither append to its write-ahead log nor checkpoint it into the database file without room, and without either
/// the deletion of acknowledged rows cannot be written, so a disk that filled up would never come back by itself
/// (<see cref="SqliteDatabase.MakeRoom"/>). Written out, not sized with SetLength: a sparse file holds nothing; and
/// written once: a reserve of the right length is kept, at a start too (writing 2 MB and syncing it took 10–30 ms of
/// every start).
/// </summary>
sealed class DiskReserve(string path, Func<string, long> freeBytes)
{
    const int ChunkBytes = 64 * 1024;

    readonly string _directory = System.IO.Path.GetDirectoryName(path)!;

    /// <summary>Bytes free on the disk holding the data directory.</summary>
    public long FreeBytes() => freeBytes(_directory);

    /// <summary>The reserve's length now; 0 when there is none.</summary>
    public long Bytes
    {
        get
        {
            var file = new FileInfo(path);
            return file.Exists ? file.Length : 0;
        }
    }

    /// <summary>Makes sure the reserve holds <paramref name="bytes"/>: kept when it has that length (only this class
    /// writes it, and a write cut short leaves it shorter), else written anew; false, with nothing left behind, when the
    /// disk has no room for it.</summary>
    public bool TryMake(long bytes)
    {
        if (Bytes == bytes)
        {
            return true;
        }

        try
        {
            using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                var zeros = new byte[ChunkBytes];
                for (long written = 0; written < bytes; written += ChunkBytes)
                {
                    stream.Write(zeros, 0, (int)Math.Min(ChunkBytes, bytes - written));
                }

                stream.Flush(flushToDisk: true);
            }

            return true;
        }
        catch (IOException)
        {
            Release();
            return false;
        }
    }

    /// <summary>Deletes the reserve, giving its room to the database.</summary>
    public void Release()
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Gone already or held by something else: the checkpoint that follows finds out whether there is room.
        }
    }
}
