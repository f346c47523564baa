using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>Device entries on the heap: nothing survives the process. For brokers without a durable store, and
    /// tests.</summary>
    public sealed class MemoryDeviceStore : IDeviceStore
    {
        readonly object _sync = new object();
        readonly Hashtable _byClientId = new Hashtable();
        readonly ArrayList _devices = new ArrayList();

        public DeviceRecord FindDevice(string clientId)
        {
            lock (_sync)
            {
                return (DeviceRecord)_byClientId[clientId];
            }
        }

        public void SaveDevice(DeviceRecord device)
        {
            lock (_sync)
            {
                DeviceRecord previous = (DeviceRecord)_byClientId[device.ClientId];
                if (previous != null)
                {
                    _devices.Remove(previous);
                }

                _byClientId[device.ClientId] = device;
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
