namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// When the supervisor measures the managed heap, and when a measurement means restart. nanoFramework has no
    /// free-heap reading that does not collect (nanoFramework.Runtime.Native's GC.Run is the only one, and it is a
    /// full, stop-the-world collection), so each measurement costs a collection: one every
    /// <see cref="DeviceSettings.HeapCheckSeconds"/> while at least <see cref="DeviceSettings.HeapWatchBytes"/> are
    /// free, every second below that, and a restart below <see cref="DeviceSettings.LowHeapRebootBytes"/>
    /// (fragmentation does not heal).
    /// </summary>
    public sealed class HeapWatch
    {
        public const int WatchIntervalMilliseconds = 1000;

        readonly DeviceSettings _settings;
        long _nextCheckMs;

        public HeapWatch(DeviceSettings settings)
        {
            _settings = settings;
        }

        /// <summary>Whether a measurement is due at <paramref name="monotonicMs"/> (milliseconds since boot).</summary>
        public bool IsDue(long monotonicMs)
        {
            return monotonicMs >= _nextCheckMs;
        }

        /// <summary>Takes the free bytes one measurement found; true when the device must restart.</summary>
        public bool MustRestart(uint freeBytes, long monotonicMs)
        {
            bool low = freeBytes < _settings.HeapWatchBytes;
            _nextCheckMs = monotonicMs + (low ? WatchIntervalMilliseconds : _settings.HeapCheckSeconds * 1000L);
            return freeBytes < _settings.LowHeapRebootBytes;
        }
    }
}
