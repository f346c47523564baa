using System;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The secrets of paired devices come from the ESP32's hardware random number generator: on the ESP32 targets
    /// nanoFramework's <see cref="Random"/> is <c>esp_random()</c> (nf-interpreter targets/ESP32/_nanoCLR/targetRandom.cpp),
    /// not a seeded algorithm. It is true random once Wi-Fi or Ethernet runs, which the gateway brings up before the
    /// relay starts.
    /// </summary>
    public sealed class HardwareRandom : IRandomSource
    {
        readonly Random _random = new Random();

        public void Fill(byte[] buffer)
        {
            _random.NextBytes(buffer);
        }
    }
}
