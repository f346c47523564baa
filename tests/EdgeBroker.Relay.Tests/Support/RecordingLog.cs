using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>The relay's log, kept for tests that check what is logged.</summary>
internal sealed class RecordingLog : IRelayLog
{
    public List<string> Infos { get; } = [];

    public List<string> Warnings { get; } = [];

    public IEnumerable<string> All => Infos.Concat(Warnings);

    public void Info(string message) => Infos.Add(message);

    public void Warning(string message) => Warnings.Add(message);
}
