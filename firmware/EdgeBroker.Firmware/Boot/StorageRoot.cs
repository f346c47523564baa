using System;
using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// Where the gateway keeps its store: the SD card (<c>D:</c>) on boards that have one and name it in
    /// edgebroker.conf (<c>sd_card</c>), else the internal flash file system (<c>I:</c>, about 256 KB on 4 MB
    /// boards). On the ESP32 only <c>I:</c> exists until the application mounts a card, and asking for a volume
    /// that is not there throws: every step here is guarded, and any failure falls back to <c>I:</c>.
    /// </summary>
    public static class StorageRoot
    {
        public const string InternalFlash = "I:\\";
        public const string SdCard = "D:\\";

        public static string Choose(IBootStorage storage, DeviceSettings settings, IRelayLog log)
        {
            if (settings.SdCard == DeviceSettings.NoSdCard)
            {
                return InternalFlash;
            }

            try
            {
                storage.MountSdCard(settings);
                if (storage.VolumeExists(SdCard))
                {
                    return SdCard;
                }

                log.Warning("SD card (" + settings.SdCard + ") mounted but " + SdCard + " is not there; using " + InternalFlash);
            }
            catch (Exception e)
            {
                log.Warning("No SD card (" + settings.SdCard + "): " + e.Message + "; using " + InternalFlash);
            }

            return InternalFlash;
        }
    }
}
