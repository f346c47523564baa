using System.IO;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The store's file names in its root directory (the log, a compaction's output and the reserve) and the one way the live log is ever replaced: a compaction
    /// writes <see cref="CompactionPath"/> completely, then the old log is deleted and the new one renamed into its
    /// place. Whatever step a crash interrupts, <see cref="RecoverInterruptedSwitch"/> finds one complete log: the old
    /// one while it still exists (a compaction output beside it may be partial and is deleted), else the compaction
    /// output, which was complete before the old log was deleted.
    /// </summary>
    internal class LogFiles
    {
        public const string LogFileName = "edgebroker.log";
        public const string CompactionFileName = "edgebroker.log.new";

        /// <summary>Zeros holding the room a compaction needs on a full drive (<see cref="MakeReserve"/>).</summary>
        public const string ReserveFileName = "edgebroker.log.reserve";

        /// <summary>Bytes of zeros written at a time while the reserve is made.</summary>
        const int ReserveChunkSize = 512;

        readonly string _rootDirectory;
        readonly string _logPath;
        readonly string _compactionPath;
        readonly string _reservePath;
        readonly bool _commitsByClosing;

        /// <summary>The files in <paramref name="rootDirectory"/>, committed by closing when the device said so for
        /// that drive (<see cref="CommitByClosing"/>).</summary>
        public LogFiles(string rootDirectory)
            : this(rootDirectory, CommitByClosing.IsRequiredFor(rootDirectory))
        {
        }

        /// <param name="commitsByClosing">See <see cref="CommitsByClosing"/> (tests pass a drive of their own).</param>
        internal LogFiles(string rootDirectory, bool commitsByClosing)
        {
            _rootDirectory = rootDirectory;
            _commitsByClosing = commitsByClosing;
            _logPath = Path.Combine(rootDirectory, LogFileName);
            _compactionPath = Path.Combine(rootDirectory, CompactionFileName);
            _reservePath = Path.Combine(rootDirectory, ReserveFileName);
        }

        public string RootDirectory
        {
            get { return _rootDirectory; }
        }

        /// <summary>Whether a file on this drive reaches the medium only when it is closed: LittleFS (the ESP32's
        /// <c>I:</c>) commits a file at <c>lfs_file_sync</c> or close, and nanoFramework's Flush there is a C
        /// <c>fflush</c>, which calls neither. The log then commits each change by closing and reopening
        /// (<see cref="LogFile.Flush"/>).</summary>
        public bool CommitsByClosing
        {
            get { return _commitsByClosing; }
        }

        public void CreateDirectory()
        {
            if (!Directory.Exists(_rootDirectory))
            {
                Directory.CreateDirectory(_rootDirectory);
            }
        }

        /// <summary>Opens a file of the store for reading and writing (the one place the store opens files, so a test
        /// can stand in a drive that fills up).</summary>
        public virtual Stream OpenStream(string path, FileMode mode)
        {
            return new FileStream(path, mode, FileAccess.ReadWrite);
        }

        /// <summary>
        /// Makes sure the reserve file holds <paramref name="bytes"/>. A compaction writes the live state beside the
        /// old log, so it needs that much free; on a drive the log filled, nothing is free, and without the reserve a
        /// log whose entries were all acknowledged could never be rewritten (the store drops dead entries only by
        /// rewriting, <see cref="LogFile"/>) — the store would refuse every message until an operator freed space.
        /// Written as zeros, once: a reserve of the right size is left alone, so it costs no flash wear per compaction.
        /// No room for it is not an error, whether the drive says so at a write or only at close (LittleFS): it is
        /// tried again after the next compaction.
        /// </summary>
        public void MakeReserve(int bytes)
        {
            Stream stream = null;
            try
            {
                if (File.Exists(_reservePath))
                {
                    stream = OpenStream(_reservePath, FileMode.Open);
                    if (stream.Length == bytes)
                    {
                        return;
                    }

                    stream.Dispose();
                    stream = null;
                }

                stream = OpenStream(_reservePath, FileMode.Create);
                byte[] zeros = new byte[ReserveChunkSize];
                for (int written = 0; written < bytes; written += ReserveChunkSize)
                {
                    stream.Write(zeros, 0, bytes - written < ReserveChunkSize ? bytes - written : ReserveChunkSize);
                }

                stream.Flush();

                // Closed here, not in finally: a full drive may say so only now, and then the reserve is short.
                stream.Dispose();
                stream = null;
            }
            catch (IOException)
            {
                Dispose(stream);
                stream = null;
                ReleaseReserve();
            }
            finally
            {
                Dispose(stream);
            }
        }

        /// <summary>Deletes the reserve file; false when there was none.</summary>
        public bool ReleaseReserve()
        {
            if (!File.Exists(_reservePath))
            {
                return false;
            }

            File.Delete(_reservePath);
            return true;
        }

        static void Dispose(Stream stream)
        {
            if (stream == null)
            {
                return;
            }

            try
            {
                stream.Dispose();
            }
            catch (IOException)
            {
                // What a full drive kept the stream from writing: the reserve is deleted or tried again anyway.
            }
        }

        public string LogPath
        {
            get { return _logPath; }
        }

        public string CompactionPath
        {
            get { return _compactionPath; }
        }

        public bool LogExists
        {
            get { return File.Exists(_logPath); }
        }

        /// <summary>Finishes or rolls back a switch a crash interrupted (see the class comment).</summary>
        public void RecoverInterruptedSwitch()
        {
            if (File.Exists(_logPath))
            {
                DeleteCompactionOutput();
            }
            else if (File.Exists(_compactionPath))
            {
                File.Move(_compactionPath, _logPath);
            }
        }

        public void DeleteCompactionOutput()
        {
            if (File.Exists(_compactionPath))
            {
                File.Delete(_compactionPath);
            }
        }

        /// <summary>The complete, closed compaction output becomes the log.</summary>
        public void ReplaceLogWithCompactionOutput()
        {
            if (File.Exists(_logPath))
            {
                File.Delete(_logPath);
            }

            File.Move(_compactionPath, _logPath);
        }
    }
}
