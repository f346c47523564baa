using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Firmware.Boot;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The boot's view of time on the device: the RTC that SNTP sets, and Thread.Sleep.</summary>
    public sealed class DeviceClock : IBootClock
    {
        public long WallClockMs()
        {
            return Clock.NowMs();
        }

        public void Sleep(int milliseconds)
        {
            Thread.Sleep(milliseconds);
        }
    }
}
