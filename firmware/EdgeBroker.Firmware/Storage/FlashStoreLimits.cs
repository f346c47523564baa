namespace EdgeBroker.Firmware.Storage
{
    /// <summary>How much flash the store may use and when it compacts. The defaults suit the ESP32's internal
    /// <c>I:</c> drive (~256 KB shared with everything else on the device); an SD card (<c>D:</c>) can take more.</summary>
    public sealed class FlashStoreLimits
    {
        public FlashStoreLimits()
        {
            MaxLogBytes = 64 * 1024;
            CompactAtDeadBytes = 32 * 1024;
            SessionReserveBytes = 4 * 1024;
            MaxSessionBytes = 16 * 1024;
            MaxDeviceBytes = 8 * 1024;
            CompactionReserveBytes = 16 * 1024;
        }

        /// <summary>The log file never grows beyond this. A message that would not fit even after a compaction is
        /// refused, as if the client's quota were full.</summary>
        public int MaxLogBytes { get; set; }

        /// <summary>The log is compacted once this many of its bytes are dead (acknowledged or superseded entries),
        /// even before it is full: compaction costs a rewrite of the live entries, so it pays once dead ones dominate,
        /// and a shorter log is replayed faster at start.</summary>
        public int CompactAtDeadBytes { get; set; }

        /// <summary>Room messages may not take, kept for sessions and subscriptions, so that a full offline queue never
        /// stops a client from connecting or subscribing.</summary>
        public int SessionReserveBytes { get; set; }

        /// <summary>The most sessions and subscriptions may take, so that room stays for the messages they are kept
        /// for: without it, a client cycling client IDs with clean session 0 filled the whole log in 0.4 s (360 IDs),
        /// and every kept message was refused until those sessions expired a week later. A new persistent session
        /// beyond it is refused at its CONNECT (0x03); a subscription beyond it ends the connection, as a store that
        /// cannot write does.</summary>
        public int MaxSessionBytes { get; set; }

        /// <summary>The most paired devices' entries may take (an eighth of the log by default: some 70 devices of ~110
        /// bytes), so that room stays for messages: without it, one peer pairing new device IDs through an open pairing
        /// window filled 63,039 of 65,536 bytes, and no QoS 1 message was acknowledged from then on, across restarts.
        /// A pairing beyond it is refused at its CONNECT (0x05).</summary>
        public int MaxDeviceBytes { get; set; }

        /// <summary>The reserve file's size (<c>edgebroker.log.reserve</c>): room kept on the drive for a compaction when
        /// the drive is full. A full drive's log is rewritten once its live state fits here — the sessions' whole share
        /// by default, so once every kept message is acknowledged — and the store takes messages again.</summary>
        public int CompactionReserveBytes { get; set; }
    }
}
