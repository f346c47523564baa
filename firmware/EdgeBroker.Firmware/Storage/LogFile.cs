using System.IO;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// One open log file: positioned reads and appends at the end, with the length kept here (nanoFramework asks the
    /// file system for it on every call). nanoFramework's FileStream writes each Write call through to the file system
    /// and cannot shorten a file (SetLength is not implemented), so callers hand over whole entries at once and never
    /// rely on truncation. A write or flush that fails (a full drive) drops whatever the file stream still holds of it
    /// by opening the file afresh: a stream that buffers (.NET's) would otherwise try to write those bytes again on every
    /// later seek, read or close, and so fail them all. The caller rewrites the log before appending to it again
    /// (<see cref="RecordLog"/>), so the torn bytes are never read as an entry.
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

        /// <summary>Makes what was appended durable; called once per logical change, before it is acknowledged.</summary>
        public void Flush()
        {
            try
            {
                _stream.Flush();
            }
            catch (System.Exception)
            {
                Reopen();
                throw;
            }
        }

        /// <summary>Closes the file. Everything acknowledged was flushed already, so a failure to write what a failed
        /// append left behind loses nothing and is not reported.</summary>
        public void Close()
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
                // A buffered write that cannot be written (the drive is full): the handle is closed all the same.
            }
        }
    }
}
