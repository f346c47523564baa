// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// nanoFramework.M2Mqtt.Core/Messages/MqttMsgPublishEventArgs.cs.
using System;

namespace nanoFramework.M2Mqtt.Messages
{
    public class MqttMsgPublishEventArgs : EventArgs
    {
        public string Topic
        {
            get { throw null; }
            internal set { throw null; }
        }

        public byte[] Message
        {
            get { throw null; }
            internal set { throw null; }
        }

        public bool DupFlag
        {
            get { throw null; }
            internal set { throw null; }
        }

        public MqttQoSLevel QosLevel
        {
            get { throw null; }
            internal set { throw null; }
        }

        public bool Retain
        {
            get { throw null; }
            internal set { throw null; }
        }

        public MqttMsgPublishEventArgs(string topic, byte[] message, bool dupFlag, MqttQoSLevel qosLevel, bool retain)
        {
            throw null;
        }
    }
}
