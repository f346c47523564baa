using System.IO;
using EdgeBroker.Firmware.Boot;
using nanoFramework.System.IO.FileSystem;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The boot's view of the file system on the device: nanoFramework's File/Directory, and the SD card
    /// mounted through nanoFramework.System.IO.FileSystem's <see cref="SDCard"/> (which then appears as <c>D:</c>).</summary>
    public sealed class DeviceStorage : IBootStorage
    {
        /// <summary>Kept for as long as the device runs: the card stays mounted while its object lives.</summary>
        SDCard _card;

        public string ReadText(string path)
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }

        public void MountSdCard(DeviceSettings settings)
        {
            CardDetectParameters detect = null;
            if (settings.SdCardDetectPin >= 0)
            {
                // A slot's card-detect switch closes to ground when a card is in.
                detect = new CardDetectParameters();
                detect.enableCardDetectPin = true;
                detect.cardDetectPin = (uint)settings.SdCardDetectPin;
                detect.cardDetectedState = false;
                detect.autoMount = true;
            }

            if (settings.SdCard == DeviceSettings.MmcSdCard)
            {
                SDCardMmcParameters mmc = new SDCardMmcParameters();
                mmc.slotIndex = 0;
                mmc.dataWidth = settings.SdCardMmcDataWidth == 4 ? SDCard.SDDataWidth._4_bit : SDCard.SDDataWidth._1_bit;
                _card = new SDCard(mmc, detect);
            }
            else
            {
                SDCardSpiParameters spi = new SDCardSpiParameters();
                spi.slotIndex = 0;
                spi.spiBus = (uint)settings.SdCardSpiBus;
                spi.chipSelectPin = (uint)settings.SdCardChipSelectPin;
                _card = new SDCard(spi, detect);
            }

            _card.Mount();
        }

        public bool VolumeExists(string root)
        {
            return Directory.Exists(root);
        }
    }
}
