// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// M2Mqtt/MqttClient.cs: the members the firmware uses and those of IMqttClient, and MqttProtocolVersion (same file).
// Left out: the constructor taking X509Certificate (System.Net's type), the MQTT 5 properties and the events whose
// argument types are M2Mqtt's internal message classes (ConnectionOpened, ConnectionClosedRequest, Authentication).
using System;
using System.Collections;
using nanoFramework.M2Mqtt.Messages;

namespace nanoFramework.M2Mqtt
{
    public class MqttClient : IMqttClient, IDisposable
    {
        public MqttSettings Settings => throw null;

        public MqttClient(string brokerHostName)
        {
            throw null;
        }

        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived
        {
            add { throw null; }
            remove { throw null; }
        }

        public event IMqttClient.MqttMsgPublishedEventHandler MqttMsgPublished
        {
            add { throw null; }
            remove { throw null; }
        }

        public event IMqttClient.MqttMsgSubscribedEventHandler MqttMsgSubscribed
        {
            add { throw null; }
            remove { throw null; }
        }

        public event IMqttClient.MqttMsgUnsubscribedEventHandler MqttMsgUnsubscribed
        {
            add { throw null; }
            remove { throw null; }
        }

        public event IMqttClient.ConnectionClosedEventHandler ConnectionClosed
        {
            add { throw null; }
            remove { throw null; }
        }

        public bool IsConnected
        {
            get { throw null; }
            private set { throw null; }
        }

        public string ClientId
        {
            get { throw null; }
            private set { throw null; }
        }

        public bool CleanSession
        {
            get { throw null; }
            private set { throw null; }
        }

        public MqttProtocolVersion ProtocolVersion
        {
            get { throw null; }
            set { throw null; }
        }

        public void Init(string brokerHostName, int brokerPort, bool secure, byte[] caCert, byte[] clientCert, MqttSslProtocols sslProtocol) =>
            throw null;

        public MqttReasonCode Connect(string clientId)
        {
            throw null;
        }

        public MqttReasonCode Connect(string clientId,
            bool cleanSession)
        {
            throw null;
        }

        public MqttReasonCode Connect(string clientId,
            string username,
            string password)
        {
            throw null;
        }

        public MqttReasonCode Connect(string clientId,
            string username,
            string password,
            bool cleanSession,
            ushort keepAlivePeriod)
        {
            throw null;
        }

        public MqttReasonCode Connect(string clientId,
            string username,
            string password,
            bool willRetain,
            MqttQoSLevel willQosLevel,
            bool willFlag,
            string willTopic,
            string willMessage,
            bool cleanSession,
            ushort keepAlivePeriod)
        {
            throw null;
        }

        public void Disconnect()
        {
            throw null;
        }

        public void Close()
        {
            throw null;
        }

        public void Dispose()
        {
            throw null;
        }

        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels)
        {
            throw null;
        }

        public ushort Unsubscribe(string[] topics)
        {
            throw null;
        }

        public ushort Publish(
            string topic,
            byte[] message)
        {
            throw null;
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType)
        {
            throw null;
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType,
            ArrayList userProperties)
        {
            throw null;
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType,
            ArrayList userProperties,
            MqttQoSLevel qosLevel,
            bool retain)
        {
            throw null;
        }
    }

    public enum MqttProtocolVersion
    {
        Version_3_1 = 0x03,

        Version_3_1_1 = 0x04,

        Version_5 = 0x05,
    }
}
