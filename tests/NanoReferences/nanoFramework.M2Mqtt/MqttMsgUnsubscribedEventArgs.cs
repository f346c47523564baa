// Reference stub (public signatures only) of package nanoFramework.M2Mqtt 5.1.199, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.199 (dc706fd83490795bde45da77587500f9c3642f4c),
// nanoFramework.M2Mqtt.Core/Messages/MqttMsgUnsubscribedEventArgs.cs.
using System;

namespace nanoFramework.M2Mqtt.Messages
{
    public class MqttMsgUnsubscribedEventArgs : EventArgs
    {
        public ushort MessageId
        {
            get { throw new NotImplementedException(); }
        }

        public MqttMsgUnsubscribedEventArgs(ushort messageId)
        {
            throw new NotImplementedException();
        }
    }
}
