using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Fuzz.Mqtt;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Fuzz.Relay;

/// <summary>
/// (a) The firmware relay's packet decoder: the input is what a client sends on one connection, framed by the relay's
/// <see cref="FixedHeader"/> and decoded by the decoder of each packet's type, with the device's packet size limit.
/// <see cref="MalformedPacketException"/> is the designed refusal (the relay closes that connection); anything else
/// thrown is a finding.
/// </summary>
sealed class RelayDecoderTarget : FuzzTarget
{
    static readonly int MaxPacketSize = new RelaySettings().MaxPacketSize;

    public override string Name => "relay-decoder";

    public override string[] InstrumentedAssemblies => ["EdgeBroker.Relay.dll"];

    public override void Execute(byte[] input)
    {
        try
        {
            PacketDecoding.DecodeAll(input, MaxPacketSize);
        }
        catch (MalformedPacketException)
        {
        }
    }

    public override void WriteSeeds(string directory) => MqttSeeds.Write(directory);
}
