// Reference stub (public signatures only) of package nanoFramework.M2Mqtt 5.1.199, assembly nanoFramework.M2Mqtt.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.199 (dc706fd83490795bde45da77587500f9c3642f4c),
// M2Mqtt/Exceptions/MqttTimeoutException.cs.
namespace nanoFramework.M2Mqtt.Exceptions
{
    public class MqttTimeoutException : System.Exception
    {
    }
}
