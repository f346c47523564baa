using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>The relay's log, dropped: tests check behaviour, not log lines.</summary>
internal sealed class SilentLog : IRelayLog
{
    public void Info(string message)
    {
    }

    public void Warning(string message)
    {
    }
}
