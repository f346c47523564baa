using System.Buffers;
using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// The MQTT seed corpus, encoded by MQTTnet's own packet formatter so every seed is a valid packet: each of the 14
/// MQTT 3.1.1 packet types and the 15 of MQTT 5 (AUTH too), with the optional fields and MQTT 5 properties filled in so
/// afl-fuzz starts from every branch of the decoders. A seed is a CONNECT followed by the packet, as a client sends it,
/// because the host only decodes other packets once a CONNECT has fixed the protocol version; one seed per version
/// is a whole conversation.
/// </summary>
static class MqttSeeds
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var connect = Encode(version, Connect(version));
            var conversation = new List<byte>(connect);
            foreach (var packet in PacketsOfEveryType(version))
            {
                var encoded = Encode(version, packet);
                var name = $"{Tag(version)}-{packet.GetType().Name.Replace("Mqtt", string.Empty).Replace("Packet", string.Empty).ToLowerInvariant()}";
                File.WriteAllBytes(Path.Combine(directory, name), packet is MqttConnectPacket ? encoded : [.. connect, .. encoded]);
                if (packet is not MqttConnectPacket and not MqttDisconnectPacket)
                {
                    conversation.AddRange(encoded);
                }
            }

            conversation.AddRange(Encode(version, new MqttDisconnectPacket()));
            File.WriteAllBytes(Path.Combine(directory, $"{Tag(version)}-conversation"), [.. conversation]);
        }
    }

    static string Tag(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? "v5" : "v311";

    static byte[] Encode(MqttProtocolVersion version, MqttPacket packet) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65536)).Encode(packet).ToArray();

    static MqttUserProperty Property(string name, string value) => new(name, new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(value)));

    static MqttConnectPacket Connect(MqttProtocolVersion version)
    {
        var connect = new MqttConnectPacket
        {
            ClientId = "GID_fuzz@@@sensor-1",
            CleanSession = false,
            KeepAlivePeriod = 60,
            Username = "user",
            Password = Encoding.UTF8.GetBytes("secret"),
            WillFlag = true,
            WillTopic = "status/sensor-1",
            WillMessage = Encoding.UTF8.GetBytes("offline"),
            WillQoS = MqttQualityOfServiceLevel.AtLeastOnce,
            WillRetain = true,
        };
        if (version == MqttProtocolVersion.V500)
        {
            connect.SessionExpiryInterval = 3600;
            connect.ReceiveMaximum = 20;
            connect.MaximumPacketSize = 65536;
            connect.TopicAliasMaximum = 4;
            connect.RequestProblemInformation = true;
            connect.UserProperties = [Property("site", "north")];
            connect.WillDelayInterval = 5;
            connect.WillContentType = "text/plain";
            connect.WillResponseTopic = "status/reply";
            connect.WillCorrelationData = [1, 2];
        }

        return connect;
    }

    static IEnumerable<MqttPacket> PacketsOfEveryType(MqttProtocolVersion version)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        yield return Connect(version);
        yield return new MqttConnAckPacket { ReturnCode = MqttConnectReturnCode.ConnectionAccepted, IsSessionPresent = true };
        yield return new MqttPublishPacket
        {
            Topic = "sensors/room1/temperature",
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("21.5")),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            PacketIdentifier = 7,
            Retain = true,
            MessageExpiryInterval = v5 ? 300u : 0,
            ContentType = v5 ? "text/plain" : null,
            ResponseTopic = v5 ? "sensors/reply" : null,
            TopicAlias = v5 ? (ushort)1 : (ushort)0,
            UserProperties = v5 ? [Property("unit", "C")] : null,
        };
        yield return new MqttPubAckPacket { PacketIdentifier = 1 };
        yield return new MqttPubRecPacket { PacketIdentifier = 2 };
        yield return new MqttPubRelPacket { PacketIdentifier = 2 };
        yield return new MqttPubCompPacket { PacketIdentifier = 2 };
        yield return new MqttSubscribePacket
        {
            PacketIdentifier = 3,
            SubscriptionIdentifier = v5 ? 9u : 0,
            TopicFilters =
            [
                new MqttTopicFilter { Topic = "sensors/+/temperature", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce, NoLocal = v5, RetainAsPublished = v5 },
                new MqttTopicFilter { Topic = "app/p2p/GID_fuzz@@@sensor-1/#", QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce },
            ],
        };
        yield return new MqttSubAckPacket { PacketIdentifier = 3, ReasonCodes = [MqttSubscribeReasonCode.GrantedQoS1] };
        yield return new MqttUnsubscribePacket { PacketIdentifier = 4, TopicFilters = ["sensors/+/temperature"] };
        yield return new MqttUnsubAckPacket { PacketIdentifier = 4, ReasonCodes = [MqttUnsubscribeReasonCode.Success] };
        yield return MqttPingReqPacket.Instance;
        yield return MqttPingRespPacket.Instance;
        yield return new MqttDisconnectPacket { SessionExpiryInterval = v5 ? 60u : 0 };
        if (v5)
        {
            yield return new MqttAuthPacket { AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [1, 2, 3], ReasonCode = MqttAuthenticateReasonCode.ContinueAuthentication };
        }
    }
}
