using System.Collections;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Paired devices in the flash log: one entry per device (client ID, group, display name, salt, secret hash,
    /// revoked, paired at), replaced by a later entry for the same client ID — pairing again, renaming, revoking. Only an
    /// index stays on the heap (the client ID and where its entry lies); a device's entry is read back from flash when
    /// it connects, so a gateway that paired many devices does not pay for them in heap.
    /// </summary>
    internal sealed class FlashDeviceStore : IDeviceStore, ILogSection
    {
        const int InitialCapacity = 4;

        readonly object _sync;
        readonly RecordLog _log;

        /// <summary>The client IDs of the paired devices; the same index in the arrays tells where each one's entry lies
        /// and its size.</summary>
        readonly ArrayList _clientIds = new ArrayList();
        int[] _offsets = new int[InitialCapacity];
        int[] _entryBytes = new int[InitialCapacity];

        /// <summary>Where a compaction under way copied the entries; takes effect when the new log replaces the old.</summary>
        int[] _relocatedOffsets;
        int _liveBytes;

        public FlashDeviceStore(object sync, RecordLog log)
        {
            _sync = sync;
            _log = log;
        }

        public int LiveBytes
        {
            get { return _liveBytes; }
        }

        public bool Owns(RecordKind kind)
        {
            return kind == RecordKind.DeviceSave;
        }

        public DeviceRecord FindDevice(string clientId)
        {
            lock (_sync)
            {
                int index = IndexOf(clientId);
                return index < 0 ? null : Load(index);
            }
        }

        /// <summary>Whether <paramref name="device"/>'s entry fits the paired devices' share of the log
        /// (<see cref="FlashStoreLimits.MaxDeviceBytes"/>), replacing its client ID's entry if there is one.</summary>
        public bool HasRoomForDevice(DeviceRecord device)
        {
            lock (_sync)
            {
                // Measured as it would be written; nothing is appended until a save persists an entry begun anew.
                Encode(_log.Begin(RecordKind.DeviceSave), device);
                return _log.HasDeviceRoom(_liveBytes, GrowthBy(device.ClientId, _log.PendingSize(0)));
            }
        }

        public void SaveDevice(DeviceRecord device)
        {
            lock (_sync)
            {
                Encode(_log.Begin(RecordKind.DeviceSave), device);
                int entryBytes = _log.PendingSize(0);
                _log.EnsureDeviceRoom(_liveBytes, GrowthBy(device.ClientId, entryBytes));
                int offset = _log.AppendAt(null, 0, 0);
                Keep(device.ClientId, offset, entryBytes);
                _log.CompactIfWorthwhile();
            }
        }

        public ArrayList LoadDevices()
        {
            ArrayList devices = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _clientIds.Count; i++)
                {
                    devices.Add(Load(i));
                }
            }

            return devices;
        }

        /// <summary>Drops every device from the index (their entries become dead, for the caller's compaction to leave
        /// out); returns how many there were.</summary>
        public int ForgetAll()
        {
            int forgotten = _clientIds.Count;
            _clientIds.Clear();
            _liveBytes = 0;
            return forgotten;
        }

        public void Replay(RecordReader reader, int offset)
        {
            Keep(reader.Fields.GetString(), offset, reader.Size);
        }

        /// <summary>Copies every device's entry into the compaction's new log, as it is.</summary>
        public void WriteLive(LogCompactor compaction)
        {
            _relocatedOffsets = new int[_offsets.Length];
            for (int i = 0; i < _clientIds.Count; i++)
            {
                _relocatedOffsets[i] = compaction.CopyRecord(_offsets[i], _entryBytes[i]);
            }
        }

        public void CommitRelocation()
        {
            _offsets = _relocatedOffsets;
            _relocatedOffsets = null;
        }

        void Keep(string clientId, int offset, int entryBytes)
        {
            int index = IndexOf(clientId);
            if (index < 0)
            {
                index = _clientIds.Count;
                if (index == _offsets.Length)
                {
                    _offsets = Grow(_offsets);
                    _entryBytes = Grow(_entryBytes);
                }

                _clientIds.Add(clientId);
            }
            else
            {
                _liveBytes -= _entryBytes[index];
            }

            _offsets[index] = offset;
            _entryBytes[index] = entryBytes;
            _liveBytes += entryBytes;
        }

        /// <summary>How much an entry of <paramref name="entryBytes"/> for <paramref name="clientId"/> grows the devices'
        /// live bytes: all of it for a new device, the difference for one paired before.</summary>
        int GrowthBy(string clientId, int entryBytes)
        {
            int index = IndexOf(clientId);
            return entryBytes - (index < 0 ? 0 : _entryBytes[index]);
        }

        int IndexOf(string clientId)
        {
            for (int i = 0; i < _clientIds.Count; i++)
            {
                if ((string)_clientIds[i] == clientId)
                {
                    return i;
                }
            }

            return -1;
        }

        DeviceRecord Load(int index)
        {
            _log.Load(_offsets[index], false);
            RecordBuffer fields = _log.Reader.Fields;
            string clientId = fields.GetString();
            string group = fields.GetString();
            string displayName = fields.GetString();
            byte[] salt = fields.GetBytes();
            byte[] secretHash = fields.GetBytes();
            bool revoked = fields.GetByte() != 0;
            return new DeviceRecord(clientId, group, displayName, salt, secretHash, revoked, fields.GetInt64());
        }

        static void Encode(RecordBuffer fields, DeviceRecord device)
        {
            fields.PutString(device.ClientId);
            fields.PutString(device.Group);
            fields.PutString(device.DisplayName);
            fields.PutBytes(device.Salt);
            fields.PutBytes(device.SecretHash);
            fields.PutByte(device.Revoked ? 1 : 0);
            fields.PutInt64(device.PairedAtMs);
        }

        static int[] Grow(int[] values)
        {
            int[] grown = new int[values.Length * 2];
            System.Array.Copy(values, 0, grown, 0, values.Length);
            return grown;
        }
    }
}
