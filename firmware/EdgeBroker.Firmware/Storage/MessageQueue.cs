namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The in-memory index of one client's kept messages (or of one uplink's queued entries), oldest first: for each
    /// message its id, where its entry is in the log, the entry's size, what it counts against the quota and a time
    /// (when it expires, for a kept message; when it was queued, for an uplink entry). Never the message itself:
    /// payloads stay in flash until they are read. Parallel arrays rather than an object per message keep it at
    /// 28 bytes a message on the device's heap.
    /// </summary>
    internal sealed class MessageQueue
    {
        const int InitialCapacity = 4;

        string _clientId;
        long[] _ids = new long[InitialCapacity];
        int[] _offsets = new int[InitialCapacity];
        int[] _recordBytes = new int[InitialCapacity];
        int[] _quotaBytes = new int[InitialCapacity];
        long[] _timesMs = new long[InitialCapacity];
        int[] _relocatedOffsets;
        int _count;
        long _totalQuotaBytes;
        int _totalRecordBytes;

        public MessageQueue(string clientId)
        {
            _clientId = clientId;
        }

        public string ClientId
        {
            get { return _clientId; }
        }

        /// <summary>Whether the arrays are still at their first size (never grown by a backlog).</summary>
        public bool HasFirstCapacity
        {
            get { return _ids.Length == InitialCapacity; }
        }

        /// <summary>Makes this emptied queue the queue of <paramref name="clientId"/> (<see cref="SpareQueues"/>).</summary>
        public void Reuse(string clientId)
        {
            _clientId = clientId;
            _count = 0;
            _totalQuotaBytes = 0;
            _totalRecordBytes = 0;
        }

        public int Count
        {
            get { return _count; }
        }

        /// <summary>What the kept messages count against <c>OfflineLimits.MaxBytesPerClient</c>.</summary>
        public long QuotaBytes
        {
            get { return _totalQuotaBytes; }
        }

        /// <summary>Bytes the kept messages' entries take in the log.</summary>
        public int RecordBytes
        {
            get { return _totalRecordBytes; }
        }

        public long IdAt(int index)
        {
            return _ids[index];
        }

        public int OffsetAt(int index)
        {
            return _offsets[index];
        }

        public int RecordBytesAt(int index)
        {
            return _recordBytes[index];
        }

        public long TimeMsAt(int index)
        {
            return _timesMs[index];
        }

        public long LastId
        {
            get { return _count == 0 ? 0 : _ids[_count - 1]; }
        }

        /// <summary>Adds a message newer than every one kept.</summary>
        public void Add(long id, int offset, int recordBytes, int quotaBytes, long timeMs)
        {
            if (_count == _ids.Length)
            {
                Grow();
            }

            _ids[_count] = id;
            _offsets[_count] = offset;
            _recordBytes[_count] = recordBytes;
            _quotaBytes[_count] = quotaBytes;
            _timesMs[_count] = timeMs;
            _count++;
            _totalQuotaBytes += quotaBytes;
            _totalRecordBytes += recordBytes;
        }

        public void RemoveAt(int index)
        {
            _totalQuotaBytes -= _quotaBytes[index];
            _totalRecordBytes -= _recordBytes[index];
            int after = _count - index - 1;
            System.Array.Copy(_ids, index + 1, _ids, index, after);
            System.Array.Copy(_offsets, index + 1, _offsets, index, after);
            System.Array.Copy(_recordBytes, index + 1, _recordBytes, index, after);
            System.Array.Copy(_quotaBytes, index + 1, _quotaBytes, index, after);
            System.Array.Copy(_timesMs, index + 1, _timesMs, index, after);
            _count--;
        }

        /// <summary>The index of message <paramref name="id"/>, or -1 (ids are kept in increasing order).</summary>
        public int IndexOf(long id)
        {
            int low = 0;
            int high = _count - 1;
            while (low <= high)
            {
                int middle = (low + high) / 2;
                long found = _ids[middle];
                if (found == id)
                {
                    return middle;
                }

                if (found < id)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return -1;
        }

        // A compaction copies the entries to a new file: their new offsets are noted here and take effect only once the
        // new file has replaced the old one, so a compaction that fails half-way leaves the index pointing at the old.

        /// <summary>Copies every entry into the compaction's new log as it is and notes where each now lies.</summary>
        public void CopyInto(LogCompactor compaction)
        {
            _relocatedOffsets = new int[_ids.Length];
            for (int i = 0; i < _count; i++)
            {
                _relocatedOffsets[i] = compaction.CopyRecord(_offsets[i], _recordBytes[i]);
            }
        }

        public void CommitRelocation()
        {
            _offsets = _relocatedOffsets;
            _relocatedOffsets = null;
        }

        void Grow()
        {
            int capacity = _ids.Length * 2;
            _ids = GrowLongs(_ids, capacity);
            _timesMs = GrowLongs(_timesMs, capacity);
            _offsets = GrowInts(_offsets, capacity);
            _recordBytes = GrowInts(_recordBytes, capacity);
            _quotaBytes = GrowInts(_quotaBytes, capacity);
        }

        static long[] GrowLongs(long[] values, int capacity)
        {
            long[] grown = new long[capacity];
            System.Array.Copy(values, 0, grown, 0, values.Length);
            return grown;
        }

        static int[] GrowInts(int[] values, int capacity)
        {
            int[] grown = new int[capacity];
            System.Array.Copy(values, 0, grown, 0, values.Length);
            return grown;
        }
    }
}
