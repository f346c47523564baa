// Reference stub (public signatures only) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.
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
        public MqttSettings Settings => throw new NotImplementedException();

        public MqttClient(string brokerHostName)
        {
            throw new NotImplementedException();
        }

        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public event IMqttClient.MqttMsgPublishedEventHandler MqttMsgPublished
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public event IMqttClient.MqttMsgSubscribedEventHandler MqttMsgSubscribed
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public event IMqttClient.MqttMsgUnsubscribedEventHandler MqttMsgUnsubscribed
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public event IMqttClient.ConnectionClosedEventHandler ConnectionClosed
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public bool IsConnected
        {
            get { throw new NotImplementedException(); }
            private set { throw new NotImplementedException(); }
        }

        public string ClientId
        {
            get { throw new NotImplementedException(); }
            private set { throw new NotImplementedException(); }
        }

        public bool CleanSession
        {
            get { throw new NotImplementedException(); }
            private set { throw new NotImplementedException(); }
        }

        public MqttProtocolVersion ProtocolVersion
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }

        public void Init(string brokerHostName, int brokerPort, bool secure, byte[] caCert, byte[] clientCert, MqttSslProtocols sslProtocol) =>
            throw new NotImplementedException();

        public MqttReasonCode Connect(string clientId)
        {
            throw new NotImplementedException();
        }

        public MqttReasonCode Connect(string clientId,
            bool cleanSession)
        {
            throw new NotImplementedException();
        }

        public MqttReasonCode Connect(string clientId,
            string username,
            string password)
        {
            throw new NotImplementedException();
        }

        public MqttReasonCode Connect(string clientId,
            string username,
            string password,
            bool cleanSession,
            ushort keepAlivePeriod)
        {
            throw new NotImplementedException();
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
            throw new NotImplementedException();
        }

        public void Disconnect()
        {
            throw new NotImplementedException();
        }

        public void Close()
        {
            throw new NotImplementedException();
        }

        public void Dispose()
        {
            throw new NotImplementedException();
        }

        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels)
        {
            throw new NotImplementedException();
        }

        public ushort Unsubscribe(string[] topics)
        {
            throw new NotImplementedException();
        }

        public ushort Publish(
            string topic,
            byte[] message)
        {
            throw new NotImplementedException();
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType)
        {
            throw new NotImplementedException();
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType,
            ArrayList userProperties)
        {
            throw new NotImplementedException();
        }

        public ushort Publish(
            string topic,
            byte[] message,
            string contentType,
            ArrayList userProperties,
            MqttQoSLevel qosLevel,
            bool retain)
        {
            throw new NotImplementedException();
        }
    }

    public enum MqttProtocolVersion
    {
        Version_3_1 = 0x03,

        Version_3_1_1 = 0x04,

        Version_5 = 0x05,
    }
}
