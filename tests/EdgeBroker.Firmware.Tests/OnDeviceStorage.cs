using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Device;

namespace EdgeBroker.Firmware.Tests
{
    /// <summary>The storage root the gateway would choose on this board, by the same steps as its boot.</summary>
    public static class OnDeviceStorage
    {
        public static string Root()
        {
            DebugLog log = new DebugLog();
            DeviceStorage storage = new DeviceStorage();
            GatewayBoot boot = new GatewayBoot(storage, new DeviceNetwork(), new DeviceClock(), log);
            return StorageRoot.Choose(storage, DeviceSettings.From(boot.ReadSettings()), log);
        }
    }
}
