using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Emulator;

/// <summary>The relay's log on the console, one timestamped line each, like the device's debug output.</summary>
sealed class ConsoleLog(bool quiet) : IRelayLog
{
    readonly object _sync = new();

    public void Info(string message)
    {
        if (!quiet)
        {
            Write("info", message);
        }
    }

    public void Warning(string message) => Write("warn", message);

    void Write(string level, string message)
    {
        lock (_sync)
        {
            Console.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {level}: {message}");
        }
    }
}
