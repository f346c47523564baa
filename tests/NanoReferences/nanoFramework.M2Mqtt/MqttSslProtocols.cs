// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// nanoFramework.M2Mqtt.Core/MqttSslProtocols.cs.
namespace nanoFramework.M2Mqtt
{
    public enum MqttSslProtocols
    {
        None,
        SSLv3,
        TLSv1_0,
        TLSv1_1,
        TLSv1_2,
        TLSv1_3,
    }
}
