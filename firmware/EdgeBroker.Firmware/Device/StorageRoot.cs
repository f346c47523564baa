using System.IO;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>Where the gateway keeps its files: the SD card (<c>D:</c>) when one is mounted, else the internal flash
    /// file system (<c>I:</c>, about 256 KB on 4 MB boards).</summary>
    public static class StorageRoot
    {
        public const string InternalFlash = "I:\\";
        public const string SdCard = "D:\\";

        public static string Find()
        {
            return Directory.Exists(SdCard) ? SdCard : InternalFlash;
        }

        /// <summary>The configuration file's text, or empty when none was deployed (defaults apply).</summary>
        public static string ReadSettings(string root)
        {
            string path = root + Relay.Settings.SettingsFile.FileName;
            return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        }
    }
}
