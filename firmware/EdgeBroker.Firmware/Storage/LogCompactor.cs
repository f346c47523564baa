namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Rewrites the log as its live state: a new header, then every store's live entries (sessions and subscriptions
    /// first, kept messages last, copied entry by entry as they are), into the compaction file, which then replaces the log
    /// (see <see cref="LogFiles"/> for why a crash at any step loses nothing). The entries are written in big
    /// sequential pieces once, rather than the many small appends they took the first time.
    /// </summary>
    internal sealed class LogCompactor
    {
        /// <summary>Bytes copied per write: big enough for few flash writes, small enough for the device's heap (and
        /// allocated only while a compaction runs).</summary>
        const int CopyChunkSize = 512;

        readonly LogFiles _files;
        readonly FlashOfflineStore _offline;
        readonly ILogSection[] _sections;
        readonly int _reserveBytes;
        LogFile _source;
        LogFile _target;
        int _roomFound;
        RecordWriter _writer;
        byte[] _chunk;

        /// <param name="offline">Also among <paramref name="sections"/>; the header keeps its last issued id.</param>
        /// <param name="sections">Every store, in the order their entries are written.</param>
        /// <param name="reserveBytes">The reserve file's size (<see cref="FlashStoreLimits.CompactionReserveBytes"/>).</param>
        public LogCompactor(LogFiles files, FlashOfflineStore offline, ILogSection[] sections, int reserveBytes)
        {
            _files = files;
            _reserveBytes = reserveBytes;
            _offline = offline;
            _sections = sections;
        }

        /// <summary>The writer for entries re-encoded into the new file (its own buffer: a compaction may run while a
        /// message entry waits in the log's).</summary>
        public RecordWriter Writer
        {
            get { return _writer; }
        }

        public LogFile Target
        {
            get { return _target; }
        }

        /// <summary>The bytes the last compaction that failed had written when the drive refused more: the room it
        /// found (less than one more write). The log cannot be compacted on that drive while its live state is larger.
        /// When the drive refused only at the close that commits the output (LittleFS), every byte was written: the room
        /// is less than this, by how much unknown.</summary>
        public int RoomFound
        {
            get { return _roomFound; }
        }

        /// <summary>Writes the live state of the stores into a new log that replaces <paramref name="current"/> (closed
        /// on success; null when there is no log yet, and the stores are empty) and returns the new log, open.</summary>
        public LogFile Compact(LogFile current)
        {
            _source = current;
            RecordBuffer buffer = new RecordBuffer(RecordLog.BufferSize);
            _writer = new RecordWriter(buffer);
            _chunk = new byte[CopyChunkSize];
            try
            {
                try
                {
                    WriteNewLog(buffer);
                }
                catch (System.IO.IOException)
                {
                    // No room for the new log beside the old one (a full drive): the reserve file holds that room.
                    // Given up, it takes a live state up to its size — once acknowledged entries are forgotten, the
                    // sessions and what is still kept — and the old log's room comes back when it is deleted. Without
                    // a reserve left, this waits until the live state fits what the drive has free.
                    if (!_files.ReleaseReserve())
                    {
                        throw;
                    }

                    WriteNewLog(buffer);
                }

                if (current != null)
                {
                    current.Abandon();
                }

                _files.ReplaceLogWithCompactionOutput();
                for (int i = 0; i < _sections.Length; i++)
                {
                    _sections[i].CommitRelocation();
                }

                // The old log's room is free now: the reserve a full drive took is made again (or later, if not).
                _files.MakeReserve(_reserveBytes);
                return LogFile.Open(_files, _files.LogPath);
            }
            finally
            {
                _source = null;
                _target = null;
                _writer = null;
                _chunk = null;
            }
        }

        /// <summary>Copies the entry of <paramref name="size"/> bytes at <paramref name="offset"/> of the old log to the
        /// end of the new one and returns its new offset.</summary>
        public int CopyRecord(int offset, int size)
        {
            int newOffset = _target.Length;
            int copied = 0;
            while (copied < size)
            {
                int count = size - copied < _chunk.Length ? size - copied : _chunk.Length;
                _source.ReadAt(offset + copied, _chunk, 0, count);
                _target.Append(_chunk, 0, count);
                copied += count;
            }

            return newOffset;
        }

        void WriteNewLog(RecordBuffer buffer)
        {
            _roomFound = 0;
            _files.DeleteCompactionOutput();
            _target = LogFile.Create(_files, _files.CompactionPath);
            bool written = false;
            try
            {
                LogHeader.Write(_target, buffer, _offline.LastIssuedId);
                for (int i = 0; i < _sections.Length; i++)
                {
                    _sections[i].WriteLive(this);
                }

                // Closing commits the output on every drive (LittleFS commits only then) and reports a full drive;
                // the old log is deleted only after this.
                _target.Close();
                written = true;
            }
            finally
            {
                if (!written)
                {
                    _roomFound = _target.Length;
                    _target.Abandon();
                    _files.DeleteCompactionOutput();
                }
            }
        }
    }
}
