// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// nanoFramework.M2Mqtt.Core/Messages/MqttQoSLevel.cs.
namespace nanoFramework.M2Mqtt.Messages
{
    public enum MqttQoSLevel
    {
        AtMostOnce = 0x00,

        AtLeastOnce = 0x01,

        ExactlyOnce = 0x02,

        GrantedFailure = 0x80,
    }
}
