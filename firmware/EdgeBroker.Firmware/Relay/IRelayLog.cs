namespace EdgeBroker.Firmware.Relay
{
    /// <summary>Where the relay reports connections, refusals and faults: the debug output on the device, the console in
    /// the emulator. Not called per message.</summary>
    public interface IRelayLog
    {
        void Info(string message);

        void Warning(string message);
    }
}
