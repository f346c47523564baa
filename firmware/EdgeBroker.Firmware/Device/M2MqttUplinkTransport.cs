using System;
using EdgeBroker.Core.Text;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Uplink;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Exceptions;
using nanoFramework.M2Mqtt.Messages;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The device's uplink transport: nanoFramework.M2Mqtt's <see cref="MqttClient"/> (package nanoFramework.M2Mqtt
    /// 5.1.218, the release whose dependencies are the versions packages.config pins), speaking MQTT 3.1.1 with clean
    /// session 0. A new client per connection: M2Mqtt's client does not reconnect, and a closed one keeps its queues.
    /// What M2Mqtt decides itself, and the driver cannot: the packet identifier of a PUBLISH (the one it returns is
    /// used), DUP (a resend after a reconnect goes as a new PUBLISH, which an MQTT 3.1.1 upstream delivers again:
    /// at-least-once), and the PUBACK of a message from the upstream (sent before the gateway routes it).
    /// </summary>
    public sealed class M2MqttUplinkTransport : IUplinkTransport
    {
        readonly object _sync = new object();
        readonly int _maxPacketSize;
        MqttClient _client;
        IUplinkTransportListener _listener;

        /// <param name="maxPacketSize">The largest packet the relay takes (<c>max_packet_size</c>): a larger message from
        /// the upstream is reported as too large, not routed.</param>
        public M2MqttUplinkTransport(int maxPacketSize)
        {
            _maxPacketSize = maxPacketSize;
        }

        public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener)
        {
            Disconnect();
            MqttClient client;
            try
            {
                // The constructor resolves the host name; Init sets the port and TLS (the CA certificate as bytes, a PEM
                // one NUL-terminated for the native parser). Without a CA only the CAs stored in the device's own
                // configuration are trusted (the image has no root bundle), and M2Mqtt presents a device certificate
                // stored there, if any.
                client = new MqttClient(request.Host);
                client.Init(request.Host, request.Port, request.Tls, CaCertificateBytes.ForNativeParser(request.CaCertificate), null,
                    request.Tls ? MqttSslProtocols.TLSv1_2 : MqttSslProtocols.None);
            }
            catch (Exception e)
            {
                throw new UplinkTransportException(request.Host + ":" + request.Port + " cannot be reached: " + e.Message, e);
            }

            client.ProtocolVersion = MqttProtocolVersion.Version_3_1_1;
            client.MqttMsgPublished += Published;
            client.MqttMsgPublishReceived += Received;
            client.ConnectionClosed += Closed;
            lock (_sync)
            {
                _client = client;
                _listener = listener;
            }

            MqttReasonCode returnCode;
            try
            {
                // The will, when asked for, is the core's offline status, retained. M2Mqtt takes its message as a string
                // and refuses an empty one under MQTT 3.1.1 (WillWrong), which the core's payload never is.
                bool will = request.WillTopic != null;
                returnCode = client.Connect(request.ClientId, request.UserName, request.Password, will, MqttQoSLevel.AtMostOnce,
                    will, request.WillTopic, will ? TextOf(request.WillPayload) : null, false, (ushort)request.KeepAliveSeconds);
            }
            catch (Exception e)
            {
                Forget(client);
                client.Close();
                throw new UplinkTransportException(request.Host + ":" + request.Port + " did not accept the connection: " + e.Message, e);
            }

            if (returnCode != MqttReasonCode.Success)
            {
                Forget(client);
                client.Close();
            }

            return (int)returnCode;
        }

        /// <summary>M2Mqtt's will message is a string (it encodes it as UTF-8 again): the core's will payload as text.</summary>
        static string TextOf(byte[] utf8)
        {
            char[] chars = new char[utf8.Length];
            return new string(chars, 0, Utf8.Decode(utf8, 0, utf8.Length, chars));
        }

        public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId)
        {
            MqttClient client = Current();
            try
            {
                ushort sent = client.Publish(topic, payload, null, null, qos == 1 ? MqttQoSLevel.AtLeastOnce : MqttQoSLevel.AtMostOnce, retain);
                return qos == 1 ? sent : 0;
            }
            catch (MqttClientException e)
            {
                throw new UplinkTransportException("M2Mqtt refused the PUBLISH (" + e.ErrorCode + ")", e);
            }
            catch (Exception e)
            {
                // MqttCommunicationException, or a closing client's: either way the connection is gone.
                throw new UplinkTransportException("the connection to the upstream is gone: " + e.Message, e);
            }
        }

        public void Subscribe(string[] filters, int[] qos)
        {
            MqttQoSLevel[] levels = new MqttQoSLevel[qos.Length];
            for (int i = 0; i < qos.Length; i++)
            {
                levels[i] = qos[i] == 1 ? MqttQoSLevel.AtLeastOnce : MqttQoSLevel.AtMostOnce;
            }

            try
            {
                Current().Subscribe(filters, levels);
            }
            catch (MqttClientException e)
            {
                throw new UplinkTransportException("M2Mqtt refused the SUBSCRIBE (" + e.ErrorCode + ")", e);
            }
            catch (Exception e)
            {
                throw new UplinkTransportException("the connection to the upstream is gone: " + e.Message, e);
            }
        }

        public void Disconnect()
        {
            MqttClient client;
            lock (_sync)
            {
                client = _client;
                _client = null;
                _listener = null;
            }

            if (client == null)
            {
                return;
            }

            try
            {
                client.Disconnect();
            }
            catch (Exception)
            {
                // The connection is already gone: closing is all that is left.
            }

            client.Close();
        }

        MqttClient Current()
        {
            lock (_sync)
            {
                if (_client == null)
                {
                    throw new UplinkTransportException("not connected");
                }

                return _client;
            }
        }

        /// <summary>The listener of <paramref name="sender"/> while it is the current client; null for a client closed on
        /// purpose, whose late events are not the driver's business any more.</summary>
        IUplinkTransportListener ListenerOf(object sender)
        {
            lock (_sync)
            {
                return sender == _client ? _listener : null;
            }
        }

        void Forget(MqttClient client)
        {
            lock (_sync)
            {
                if (_client == client)
                {
                    _client = null;
                    _listener = null;
                }
            }
        }

        void Published(object sender, MqttMsgPublishedEventArgs e)
        {
            IUplinkTransportListener listener = ListenerOf(sender);
            if (listener == null)
            {
                return;
            }

            if (e.IsPublished)
            {
                listener.PublishAcknowledged(e.MessageId);
                return;
            }

            // M2Mqtt gave up after its own retries: start over on a new connection, which resends in order.
            Forget((MqttClient)sender);
            ((MqttClient)sender).Close();
            listener.ConnectionLost("the upstream did not acknowledge packet " + e.MessageId + " after M2Mqtt's retries");
        }

        /// <summary>M2Mqtt sends the PUBACK before it raises the event (MqttClient's inflight thread, v5.1.218), and queues
        /// what comes on while the handler is busy: holding back would only fill that queue on the heap.</summary>
        public bool AcknowledgesAfterDelivery
        {
            get { return false; }
        }

        void Received(object sender, MqttMsgPublishEventArgs e)
        {
            IUplinkTransportListener listener = ListenerOf(sender);
            if (listener == null)
            {
                return;
            }

            // M2Mqtt reads whole packets whatever their size (and acknowledges them itself): what the relay would not
            // take from a local client either is skipped here, as the emulator's transport skips it unread.
            byte[] payload = e.Message;
            int qos = (int)e.QosLevel;
            int packetBytes = PacketWriter.PublishSize(Utf8.EncodedLength(e.Topic), payload.Length, qos);
            if (packetBytes > _maxPacketSize)
            {
                listener.MessageTooLarge(e.Topic, packetBytes, qos);
                return;
            }

            listener.MessageReceived(e.Topic, payload, qos, e.Retain);
        }

        void Closed(object sender, EventArgs e)
        {
            IUplinkTransportListener listener = ListenerOf(sender);
            if (listener != null)
            {
                Forget((MqttClient)sender);
                listener.ConnectionLost("the connection to the upstream closed");
            }
        }
    }
}
