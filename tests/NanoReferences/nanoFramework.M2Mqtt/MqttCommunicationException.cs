// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// M2Mqtt/Exceptions/MqttCommunicationException.cs.
using System;

namespace nanoFramework.M2Mqtt.Exceptions
{
    public class MqttCommunicationException : Exception
    {
        public MqttCommunicationException()
        {
            throw null;
        }

        public MqttCommunicationException(Exception e)
        {
            throw null;
        }
    }
}
