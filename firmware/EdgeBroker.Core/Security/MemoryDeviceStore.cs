using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>Device entries on the heap: nothing survives the process. For brokers without a durable store, and
    /// tests.</summary>
    public sealed class MemoryDeviceStore : IDeviceStore
    {
        readonly object _sync = new object();
        readonly StringMap _byClientId = new StringMap(16);
        readonly ArrayList _devices = new ArrayList();

        public DeviceRecord FindDevice(string clientId)
        {
            lock (_sync)
            {
                return (DeviceRecord)_byClientId.Get(clientId);
            }
        }

        public bool HasRoomForDevice(DeviceRecord device)
        {
            return true;
        }

        public void SaveDevice(DeviceRecord device)
        {
            lock (_sync)
            {
                DeviceRecord previous = (DeviceRecord)_byClientId.Get(device.ClientId);
                if (previous != null)
                {
                    _devices.Remove(previous);
                }

                _byClientId.Set(device.ClientId, device);
                _devices.Add(device);
            }
        }

        public ArrayList LoadDevices()
        {
            ArrayList copy = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _devices.Count; i++)
                {
                    copy.Add(_devices[i]);
                }
            }

            return copy;
        }
    }
}
