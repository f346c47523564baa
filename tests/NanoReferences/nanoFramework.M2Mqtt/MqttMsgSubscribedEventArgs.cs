// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// nanoFramework.M2Mqtt.Core/Messages/MqttMsgSubscribedEventArgs.cs.
using System;

namespace nanoFramework.M2Mqtt.Messages
{
    public class MqttMsgSubscribedEventArgs : EventArgs
    {
        public ushort MessageId
        {
            get { throw null; }
            internal set { throw null; }
        }

        public MqttQoSLevel[] GrantedQoSLevels
        {
            get { throw null; }
            internal set { throw null; }
        }

        public MqttMsgSubscribedEventArgs(ushort messageId, MqttQoSLevel[] grantedQosLevels)
        {
            throw null;
        }
    }
}
