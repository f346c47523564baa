namespace EdgeBroker.Firmware.Boot
{
    /// <summary>Time as the boot sees it: the wall clock (valid only once SNTP has set it) and a pause.</summary>
    public interface IBootClock
    {
        /// <summary>Unix milliseconds by the device's wall clock, whatever it says.</summary>
        long WallClockMs();

        void Sleep(int milliseconds);
    }
}
