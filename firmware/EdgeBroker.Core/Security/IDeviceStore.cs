using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>Where paired devices are kept (host: SQLite; device: flash). Every call returns once the change is
    /// durable. There may be many devices, so lookups go to the store rather than to a copy in memory.</summary>
    public interface IDeviceStore
    {
        /// <summary>The entry of <paramref name="clientId"/>, revoked or not; null when it was never paired.</summary>
        DeviceRecord FindDevice(string clientId);

        /// <summary>Whether the store has room to save <paramref name="device"/> (replacing the entry of its client ID, if
        /// any): the device's flash log gives paired devices a share of its bytes; other stores always have room.</summary>
        bool HasRoomForDevice(DeviceRecord device);

        /// <summary>Creates or replaces the entry of its client ID.</summary>
        void SaveDevice(DeviceRecord device);

        /// <summary>Every <see cref="DeviceRecord"/>, for listings.</summary>
        ArrayList LoadDevices();
    }
}
