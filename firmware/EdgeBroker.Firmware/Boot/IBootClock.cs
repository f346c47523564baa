namespace EdgeBroker.Firmware.Boot
{
    /// <summary>Time as the boot sees it: the wall clock (valid only once SNTP has set it) and a pause.</summary>
    public interface IBootClock
    {
        /// <summary>The broker's wall clock (<see cref="EdgeBroker.Core.Clock.NowMs"/>): Unix milliseconds once SNTP has set it,
        /// below <see cref="EdgeBroker.Core.Clock.EarliestValidMs"/> until then.</summary>
        long WallClockMs();

        void Sleep(int milliseconds);
    }
}
