namespace EdgeBroker.Firmware.Boot
{
    /// <summary>The device's file system as the boot sees it: the settings file, the SD card, which volumes exist.
    /// Device/ implements it with nanoFramework's file system; tests with a fake.</summary>
    public interface IBootStorage
    {
        /// <summary>The text of the file, or null when it does not exist. May throw when its volume is missing.</summary>
        string ReadText(string path);

        /// <summary>Mounts the SD card <paramref name="settings"/> describes; throws when there is none or it cannot
        /// be mounted.</summary>
        void MountSdCard(DeviceSettings settings);

        /// <summary>Whether a volume is mounted at <paramref name="root"/> (<c>D:\</c>). May throw when it is not.</summary>
        bool VolumeExists(string root);
    }
}
