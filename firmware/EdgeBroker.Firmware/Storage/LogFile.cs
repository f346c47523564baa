using System.IO;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// One open log file: positioned reads and appends at the end, with the length kept here (nanoFramework asks the
    /// file system for it on every call). nanoFramework's FileStream writes each Write call through to the file system,
    /// so callers hand over whole entries at once. The store never shortens a file in place (a torn tail is dropped by
    /// rewriting the log, <see cref="RecordLog"/>), although both of the device's file systems could (SetLength is
    /// ftruncate on LittleFS and f_truncate on FAT): a rewrite is one code path that works on every drive.
    /// <para>
    /// <see cref="Flush"/> is where a change becomes durable. On a drive whose file system commits a file only when it
    /// is closed (<see cref="LogFiles.CommitsByClosing"/>: the ESP32's LittleFS <c>I:</c>, where nanoFramework's
    /// Flush is a C <c>fflush</c> that leaves the bytes in LittleFS's cache), it closes the file and opens it again;
    /// elsewhere the stream's Flush commits (FAT's <c>f_sync</c> on an SD card).
    /// </para>
    /// <para>
    /// A write, flush or close that fails (a full drive; LittleFS reports it only at close) drops whatever the file
    /// stream still holds of it by opening the file afresh, and is thrown to the caller as the write failure it is: a
    /// stream that buffers (.NET's) would otherwise try to write those bytes again on every later seek, read or close,
    /// and so fail them all. The caller rewrites the log before appending to it again (<see cref="RecordLog"/>), so the
    /// torn bytes are never read as an entry.
    /// </para>
    /// </summary>
    internal sealed class LogFile
    {
        readonly LogFiles _files;
        Stream _stream;
        readonly string _path;
        int _length;

        LogFile(LogFiles files, string path, FileMode mode)
        {
            _files = files;
            _stream = files.OpenStream(path, mode);
            _path = path;
            _length = (int)_stream.Length;
        }

        public string Path
        {
            get { return _path; }
        }

        public int Length
        {
            get { return _length; }
        }

        public static LogFile Open(LogFiles files, string path)
        {
            return new LogFile(files, path, FileMode.Open);
        }

        /// <summary>A new, empty file (an existing one is overwritten).</summary>
        public static LogFile Create(LogFiles files, string path)
        {
            return new LogFile(files, path, FileMode.Create);
        }

        /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="position"/>; fewer only at the end of
        /// the file.</summary>
        public int ReadAt(int position, byte[] buffer, int offset, int count)
        {
            if (position >= _length)
            {
                return 0;
            }

            if (count > _length - position)
            {
                count = _length - position;
            }

            _stream.Seek(position, SeekOrigin.Begin);
            int read = 0;
            while (read < count)
            {
                int got = _stream.Read(buffer, offset + read, count - read);
                if (got <= 0)
                {
                    break;
                }

                read += got;
            }

            return read;
        }

        public void Append(byte[] buffer, int offset, int count)
        {
            try
            {
                _stream.Seek(_length, SeekOrigin.Begin);
                _stream.Write(buffer, offset, count);
                _length += count;
            }
            catch (System.Exception)
            {
                Reopen();
                throw;
            }
        }

        /// <summary>Makes what was appended durable; called once per logical change, before it is acknowledged. On a
        /// drive that commits only at close, the file is closed and opened again (appends go on at
        /// <see cref="Length"/>, kept here). Throws when the drive refuses (a full drive).</summary>
        public void Flush()
        {
            try
            {
                if (_files.CommitsByClosing)
                {
                    // If closing fails, the file is reopened below as the drive has it.
                    _stream.Dispose();
                    _stream = _files.OpenStream(_path, FileMode.Open);
                }
                else
                {
                    _stream.Flush();
                }
            }
            catch (System.Exception)
            {
                Reopen();
                throw;
            }
        }

        /// <summary>Closes the file, committing what was appended since the last <see cref="Flush"/> (a compaction's
        /// output is made durable this way). An error the drive reports at close (a full drive) is thrown, never
        /// swallowed: on LittleFS it means the bytes did not reach flash.</summary>
        public void Close()
        {
            _stream.Dispose();
        }

        /// <summary>Closes a file whose unwritten bytes are not wanted: a failed compaction's output (deleted next), or
        /// the log a compaction replaces (every change it holds was committed before, and what is live was copied).
        /// What the drive reports about them is ignored.</summary>
        public void Abandon()
        {
            Discard(_stream);
        }

        /// <summary>After a failed write: the file as it is on the drive, without what the stream still held.</summary>
        void Reopen()
        {
            Discard(_stream);
            try
            {
                _stream = _files.OpenStream(_path, FileMode.Open);
                _length = (int)_stream.Length;
            }
            catch (System.Exception)
            {
                // The closed stream stays: the next use fails, as the write that brought us here did.
            }
        }

        static void Discard(Stream stream)
        {
            try
            {
                stream.Dispose();
            }
            catch (System.Exception)
            {
                // A write that cannot be finished (the drive is full): the handle is closed all the same.
            }
        }
    }
}
