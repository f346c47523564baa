using System.Diagnostics;
using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The relay's log on the device: the debug output (Visual Studio / VS Code while attached; compiled out
    /// of Release builds, where the LED is the only report).</summary>
    public sealed class DebugLog : IRelayLog
    {
        public void Info(string message)
        {
            Debug.WriteLine(message);
        }

        public void Warning(string message)
        {
            Debug.WriteLine("warning: " + message);
        }
    }
}
