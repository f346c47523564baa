namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The log every store writes to (see <see cref="ILogSection"/>), and its size budget. A store changes its state in
    /// memory, builds the entry that says so (<see cref="Begin"/>) and hands it over: <see cref="Persist"/> appends and
    /// flushes it, or, when the log has no room for it, compacts instead (the compacted log is the live state, which
    /// already includes the change). Entries a store reads back by offset are appended with <see cref="AppendAt"/>
    /// before the change is applied; messages are admitted separately (<see cref="HasRoomForMessage"/>) because a
    /// message may be refused. A compaction that found no room on the drive is not tried again until it can succeed
    /// (<see cref="MayCompact"/>). Callers hold the store's lock.
    /// </summary>
    internal sealed class RecordLog
    {
        /// <summary>Bytes read from flash at a time when an entry is checked or copied.</summary>
        public const int ChunkSize = 128;

        /// <summary>Initial size of the entry buffer: most entries (and small payloads) fit in one write.</summary>
        public const int BufferSize = 256;

        /// <summary>How many writes that want a compaction are refused (or go without it) after one found no room, before
        /// one is tried whatever the live state: room freed on the drive outside the store cannot be seen any other way
        /// (the device's DriveInfo reports no free space).</summary>
        public const int CompactionRetryAfterWrites = 256;

        readonly FlashStoreLimits _limits;
        readonly RecordWriter _writer;
        readonly RecordReader _reader;
        LogFile _file;
        LogCompactor _compactor;
        ILogSection[] _sections;

        /// <summary>An append failed part-way: what follows the last good entry is unknown, so the log is rewritten
        /// before anything else is appended (the store never shortens a file in place: <see cref="LogFile"/>).</summary>
        bool _mustCompact;

        /// <summary>A compaction failed for want of room: none is tried again while the live state is larger than this
        /// (<see cref="MayCompact"/>); -1 when the last one did not fail so.</summary>
        int _compactAtLiveBytes = -1;

        /// <summary>Writes that wanted a compaction since the last one failed.</summary>
        int _compactionsHeldOff;

        public RecordLog(FlashStoreLimits limits)
        {
            _limits = limits;
            RecordBuffer buffer = new RecordBuffer(BufferSize);
            _writer = new RecordWriter(buffer);
            _reader = new RecordReader(buffer, new byte[ChunkSize]);
        }

        public string Path
        {
            get { return _file.Path; }
        }

        /// <summary>Bytes in the log file now.</summary>
        public int Length
        {
            get { return _file.Length; }
        }

        /// <summary>Bytes the log would take after a compaction.</summary>
        public int LiveBytes
        {
            get
            {
                int bytes = LogHeader.Size;
                for (int i = 0; i < _sections.Length; i++)
                {
                    bytes += _sections[i].LiveBytes;
                }

                return bytes;
            }
        }

        public RecordReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Connects the parts that depend on each other; called once, before <see cref="Use"/>.</summary>
        public void Attach(ILogSection[] sections, LogCompactor compactor)
        {
            _sections = sections;
            _compactor = compactor;
        }

        /// <summary>Works on <paramref name="file"/> from now on (at open, after recovery found it or made it).</summary>
        public void Use(LogFile file)
        {
            _file = file;
        }

        public void Close()
        {
            _file.Close();
        }

        public RecordBuffer Begin(RecordKind kind)
        {
            return _writer.Begin(kind);
        }

        /// <summary>Bytes the entry begun last takes with a payload of <paramref name="payloadLength"/>.</summary>
        public int PendingSize(int payloadLength)
        {
            return _writer.SizeWith(payloadLength);
        }

        /// <summary>Whether an entry of <paramref name="size"/> bytes that may be refused (a message, a retained message)
        /// fits the budget: the live state plus the entry, less the room kept for sessions.</summary>
        public bool HasRoomForMessage(int size)
        {
            return LiveBytes + size <= _limits.MaxLogBytes - _limits.SessionReserveBytes;
        }

        /// <summary>Appends the entry begun last, compacting first when the file has no room for it, and returns the
        /// offset it now lies at — for entries a store reads back by offset. The caller checked the budget
        /// (<see cref="HasRoomForMessage"/>, <see cref="EnsureDeviceRoom"/> or <see cref="EnsureSessionRoom"/>) and applies the change after this returns,
        /// so a compaction here writes the state before it.</summary>
        public int AppendAt(byte[] payload, int payloadOffset, int payloadLength)
        {
            if (_mustCompact || _file.Length + _writer.SizeWith(payloadLength) > _limits.MaxLogBytes)
            {
                CompactForAppend();
            }

            int offset = _file.Length;
            Append(payload, payloadOffset, payloadLength);
            return offset;
        }

        /// <summary>Refuses a change to the paired devices, which take <paramref name="deviceBytes"/> now, that would grow
        /// them beyond their share (<see cref="FlashStoreLimits.MaxDeviceBytes"/>) or leave the live state larger than
        /// the log may be. A change that does not grow them (revoking, renaming no longer) always passes, even when a
        /// store written before the share existed holds more.</summary>
        public void EnsureDeviceRoom(int deviceBytes, int growth)
        {
            if (!HasDeviceRoom(deviceBytes, growth))
            {
                throw new FlashStoreException("The store " + _file.Path + " has no room left for paired devices: they may take "
                    + _limits.MaxDeviceBytes + " of its " + _limits.MaxLogBytes + " bytes (an eighth of flash_store_bytes) and take "
                    + deviceBytes);
            }
        }

        /// <summary>Whether paired devices taking <paramref name="deviceBytes"/> may grow by <paramref name="growth"/>
        /// (<see cref="EnsureDeviceRoom"/>).</summary>
        public bool HasDeviceRoom(int deviceBytes, int growth)
        {
            return growth <= 0 || (deviceBytes + growth <= _limits.MaxDeviceBytes && LiveBytes + growth <= _limits.MaxLogBytes);
        }

        /// <summary>Refuses a change to the sessions and subscriptions, which take <paramref name="sessionBytes"/> now
        /// (with the room held for sessions whose CONNECTs are under way),
        /// that would grow them beyond their share (<see cref="FlashStoreLimits.MaxSessionBytes"/>) or leave the live
        /// state larger than the log may be.</summary>
        public void EnsureSessionRoom(int sessionBytes, int growth)
        {
            if (sessionBytes + growth > _limits.MaxSessionBytes || LiveBytes + growth > _limits.MaxLogBytes)
            {
                throw new FlashStoreException("The store " + _file.Path + " has no room left for sessions and subscriptions: they "
                    + "may take " + _limits.MaxSessionBytes + " of its " + _limits.MaxLogBytes + " bytes (a quarter of "
                    + "flash_store_bytes) and take " + sessionBytes + "; away sessions free theirs when they expire (session_expiry_seconds)");
            }
        }

        /// <summary>Whether sessions and subscriptions taking <paramref name="sessionBytes"/> may grow by
        /// <paramref name="growth"/> (<see cref="EnsureSessionRoom"/>).</summary>
        public bool HasSessionRoom(int sessionBytes, int growth)
        {
            return sessionBytes + growth <= _limits.MaxSessionBytes && LiveBytes + growth <= _limits.MaxLogBytes;
        }

        /// <summary>Makes the change described by the entry begun last durable: appended and flushed, or written as
        /// part of a compaction when the file has no room for one more entry.</summary>
        public void Persist()
        {
            if (_mustCompact || _file.Length + _writer.SizeWith(0) > _limits.MaxLogBytes)
            {
                CompactForAppend();
                return;
            }

            Append(null, 0, 0);
            CompactIfWorthwhile();
        }

        /// <summary>Compacts once enough of the log is dead (see <see cref="FlashStoreLimits.CompactAtDeadBytes"/>) and
        /// a compaction may succeed (<see cref="MayCompact"/>). The change before it is durable already: a compaction
        /// that finds no room on the drive is only put off.</summary>
        public void CompactIfWorthwhile()
        {
            if (_file.Length - LiveBytes >= _limits.CompactAtDeadBytes && MayCompact())
            {
                try
                {
                    Compact();
                }
                catch (System.IO.IOException)
                {
                    // Tried again once it may succeed; the log as it is holds everything.
                }
            }
        }

        /// <summary>The log is to be rewritten before anything is appended to it (it could not be when it was opened).</summary>
        public void CompactBeforeNextAppend()
        {
            _mustCompact = true;
        }

        /// <summary>Rewrites the log as its live state. When the drive has no room for it, remembers how much room it
        /// found, for <see cref="MayCompact"/>, and throws.</summary>
        public void Compact()
        {
            try
            {
                _file = _compactor.Compact(_file);
            }
            catch (System.IO.IOException)
            {
                // Held off only when the drive said how much room it has (it refused a write of the output); one that
                // refused only the close that commits it (LittleFS) leaves the room unknown, and the next write tries.
                int roomFound = _compactor.RoomFound;
                _compactAtLiveBytes = roomFound < LiveBytes ? roomFound : -1;
                _compactionsHeldOff = 0;
                throw;
            }

            _mustCompact = false;
            _compactAtLiveBytes = -1;
        }

        /// <summary>
        /// Whether a compaction may be tried now. After one found no room on the drive, not until the live state has
        /// shrunk to the room that attempt found (entries removed, sessions gone; see <see cref="Compact"/>), or
        /// <see cref="CompactionRetryAfterWrites"/> writes have wanted one. Each attempt writes the live state until
        /// the drive refuses — up to the reserve's 16 KB and what else is free — and deletes it again: on a drive the
        /// log filled, every write tried it while the live state was larger (a 64 KB drive's queue of 57 entries
        /// drained through 55 attempts that wrote 200,791 bytes of flash; now 3 attempts, 6,977 bytes).
        /// </summary>
        bool MayCompact()
        {
            if (_compactAtLiveBytes < 0 || LiveBytes <= _compactAtLiveBytes)
            {
                return true;
            }

            _compactionsHeldOff++;
            return _compactionsHeldOff >= CompactionRetryAfterWrites;
        }

        /// <summary>The compaction the next entry needs (the file is full, or a failed append left it to be rewritten);
        /// while one may not succeed (<see cref="MayCompact"/>), the entry is refused as a compaction without room
        /// would have refused it, without writing.</summary>
        void CompactForAppend()
        {
            if (!MayCompact())
            {
                throw new System.IO.IOException("No room on the drive to rewrite " + _file.Path + ": its live state takes "
                    + LiveBytes + " bytes, and the last rewrite found room for " + _compactor.RoomFound);
            }

            Compact();
        }

        /// <summary>Reads the entry at <paramref name="offset"/> into <see cref="Reader"/>, with its payload into a new
        /// array when <paramref name="withPayload"/>; an entry that fails its checks is damage.</summary>
        public byte[] Load(int offset, bool withPayload)
        {
            if (_reader.ReadHead(_file, offset) == RecordReader.Complete)
            {
                byte[] payload = withPayload ? new byte[_reader.PayloadLength] : null;
                if (_reader.ReadBody(payload))
                {
                    return payload;
                }
            }

            throw FlashStoreException.Damaged(_file.Path, "the entry at byte " + offset + " no longer reads back as written");
        }

        void Append(byte[] payload, int payloadOffset, int payloadLength)
        {
            try
            {
                _writer.Append(_file, payload, payloadOffset, payloadLength);
                _file.Flush();
            }
            catch (System.Exception)
            {
                _mustCompact = true;
                throw;
            }
        }
    }
}
