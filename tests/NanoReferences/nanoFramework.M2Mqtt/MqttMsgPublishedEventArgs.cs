// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.Core.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// nanoFramework.M2Mqtt.Core/Messages/MqttMsgPublishedEventArgs.cs.
using System;

namespace nanoFramework.M2Mqtt.Messages
{
    public class MqttMsgPublishedEventArgs : EventArgs
    {
        public ushort MessageId
        {
            get { throw null; }
            set { throw null; }
        }

        public bool IsPublished
        {
            get { throw null; }
            set { throw null; }
        }

        public MqttMsgPublishedEventArgs(ushort messageId)
        {
            throw null;
        }

        public MqttMsgPublishedEventArgs(ushort messageId, bool isPublished)
        {
            throw null;
        }
    }
}
