using System.Net;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The MQTT 3.1.1 server side of one connection: what each packet the client sends means, told to the routing core
    /// (which authenticates the client and decides who receives what) and answered through the connection's queue. Subscriptions are granted at
    /// most QoS 1; a QoS 2 PUBLISH is routed on arrival and its PUBREC/PUBREL/PUBCOMP handshake completed here, the
    /// identifiers awaiting PUBREL kept by the core's session (so a resend after a reconnect is not routed again).
    /// Any protocol violation throws <see cref="MalformedPacketException"/>, which closes this connection only.
    /// </summary>
    public sealed class ClientProtocol
    {
        const int SubscribeFailure = 0x80;

        readonly RelayConnection _connection;
        readonly RelayContext _context;
        // Created on the client's first PUBLISH (first QoS 2 PUBLISH) and reused for every later one: a client that
        // only listens never pays.
        PublishPacket _publish;
        RoutedMessage _inbound;
        TopicCache _topics;
        string _clientId;

        /// <summary>The client's <c>ip:port</c> once its CONNECT was accepted: presence events name it after the socket
        /// has closed, when it can no longer be read from the socket.</summary>
        string _clientAddress;
        AuthenticatedClient _authenticated;

        /// <summary>The keep-alive of the accepted CONNECT (0: none). An int beside the references and flags fills what
        /// the object's alignment left unused; on the connection it would have cost 8 bytes per client.</summary>
        int _keepAliveSeconds;
        bool _admitted;
        bool _connected;
        bool _cleanSession;
        bool _disconnectedCleanly;

        public ClientProtocol(RelayConnection connection, RelayContext context)
        {
            _connection = connection;
            _context = context;
        }

        /// <summary>The client ID once the CONNECT was accepted, else null.</summary>
        public string ClientId
        {
            get { return _connected ? _clientId : null; }
        }

        /// <summary>The client's <c>ip:port</c> once its CONNECT was accepted, else null.</summary>
        public string ClientAddress
        {
            get { return _clientAddress; }
        }

        /// <summary>Who the client proved to be once its CONNECT was accepted, else null.</summary>
        public AuthenticatedClient Authenticated
        {
            get { return _authenticated; }
        }

        /// <summary>The keep-alive the client's accepted CONNECT asked for, in seconds; 0 for none (and before).</summary>
        public int KeepAliveSeconds
        {
            get { return _keepAliveSeconds; }
        }

        /// <summary>Handles one packet; false when the connection is to end now.</summary>
        public bool Handle(int type, int flags, PacketReader reader)
        {
            if (!_connected)
            {
                if (type != PacketType.Connect)
                {
                    throw new MalformedPacketException("first packet is not CONNECT"); // [MQTT-3.1.0-1]
                }

                return HandleConnect(reader);
            }

            switch (type)
            {
                case PacketType.Publish:
                    return HandlePublish(flags, reader);
                case PacketType.PubAck:
                    HandlePubAck(reader);
                    return true;
                case PacketType.PubRel:
                    return HandlePubRel(reader);
                case PacketType.PubRec:
                case PacketType.PubComp:
                    // Answers to a QoS 2 delivery; this server never delivers at QoS 2, so there is nothing to complete.
                    reader.ReadPacketId();
                    reader.ExpectEnd();
                    return true;
                case PacketType.Subscribe:
                    return HandleSubscribe(reader);
                case PacketType.Unsubscribe:
                    return HandleUnsubscribe(reader);
                case PacketType.PingReq:
                    reader.ExpectEnd();
                    return _connection.QueuePingResp();
                case PacketType.Disconnect:
                    reader.ExpectEnd();
                    _disconnectedCleanly = true;
                    _context.Core.DisconnectReceived(_clientId, _connection); // the core discards the will [MQTT-3.14.4-3]
                    return false;
                case PacketType.Connect:
                    throw new MalformedPacketException("second CONNECT"); // [MQTT-3.1.0-2]
                default:
                    throw new MalformedPacketException("a client may not send packet type " + type);
            }
        }

        /// <summary>The connection is gone (any reason): tell the core (the session and its will, presence: tcpclean,
        /// security), give the client's place back.</summary>
        public void ConnectionEnded()
        {
            if (!_admitted)
            {
                return;
            }

            if (_connected)
            {
                _context.Core.Disconnect(_clientId, _connection, SessionExpiry());
                _context.Core.ConnectionClosed(_clientId, _connection);
                _context.Log.Info("Client " + ClientTextForLog.Of(_clientId) + (_disconnectedCleanly ? " disconnected" : " lost its connection"));
            }

            _context.Security.Disconnected(_authenticated);
            _context.Release();
        }

        bool HandleConnect(PacketReader reader)
        {
            ConnectPacket connect = ConnectPacket.Decode(reader);
            if (connect.ReturnCode != ConnectReturnCode.Accepted)
            {
                return Refuse(connect.ReturnCode, _connection.Describe(), "speaks another MQTT version (only 3.1.1 is served)");
            }

            string clientId = connect.ClientId;
            if (clientId.Length == 0)
            {
                if (!connect.CleanSession)
                {
                    return Refuse(ConnectReturnCode.IdentifierRejected, _connection.Describe(), "asked for a persistent session without a client ID"); // [MQTT-3.1.3-8]
                }

                clientId = "auto-" + ChannelIds.Next(); // [MQTT-3.1.3-6]
            }

            if (connect.HasWill && !TopicValidator.IsValidTopicName(connect.WillTopic))
            {
                throw new MalformedPacketException("will topic is not a valid topic name");
            }

            IPEndPoint remote = _connection.RemoteEndPoint();
            string ip = remote.Address.ToString();
            string who = "of client " + ClientTextForLog.Of(clientId) + " from " + ip;
            SessionReservation place = _context.Core.ReserveSession(clientId, !connect.CleanSession);
            if (place == null)
            {
                // Before authentication, which may pair a device that would then never get its credentials.
                return Refuse(ConnectReturnCode.ServerUnavailable, who, "the flash log's share for persistent sessions is full");
            }

            WillReservation will = null;
            AuthDecision decision;
            try
            {
                if (connect.HasWill)
                {
                    // Before authentication too, as the session's place.
                    RoutedMessage willMessage = new RoutedMessage(connect.WillTopic, connect.WillPayload, connect.WillQos, connect.WillRetain);
                    will = _context.Core.ReserveWill(clientId, willMessage);
                    if (will == null)
                    {
                        // Refused rather than accepted without the will, which would leave the client believing its
                        // subscribers will hear of its end (docs/overload.md, "Wills").
                        _connection.SendConnAckAndFlush(ConnectReturnCode.ServerUnavailable);
                        _context.ReportProblem(ip, _connection.Describe(), "CONNECT of client " + ClientTextForLog.Of(clientId) + " refused with return code "
                            + ConnectReturnCode.ServerUnavailable + ": its will counts " + _context.Core.WillFootprint(willMessage)
                            + " bytes and the wills held take " + _context.Core.WillBytes + " of " + RelaySettings.MaxWillBytesKey + " "
                            + _context.Core.MaxWillBytes);
                        return false;
                    }
                }

                decision = _context.Security.Authenticate(clientId, connect.UserName, connect.Password, ip, Clock.NowMs(), Clock.MonotonicMs());
                if (decision.IsAccepted)
                {
                    return Connect(connect, clientId, remote, ip, who, will, decision);
                }
            }
            finally
            {
                // Connected, the place is its session's and the will the core's; refused or failed, both are free again —
                // a CONNECT refused for its credentials before the throttle slows its answer, so a stream of bad logins
                // holds no place, no flash room and no will room while it waits.
                if (will != null)
                {
                    will.Dispose();
                }

                _context.Core.ReleaseSession(place);
            }

            return RefuseCredentials(decision, ip, who);
        }

        /// <summary>Refuses the CONNECT as its authentication <paramref name="decision"/> says, after the login throttle's
        /// delay (only this connection's reader waits). Nothing has changed: a live connection with the same client ID
        /// goes on undisturbed.</summary>
        bool RefuseCredentials(AuthDecision decision, string ip, string who)
        {
            if (decision.ResponseDelayMs > 0)
            {
                Thread.Sleep(decision.ResponseDelayMs);
            }

            if (!_context.Security.ShouldLogRefusal(decision, ip, Clock.MonotonicMs()))
            {
                _connection.SendConnAckAndFlush(decision.Mqtt311ReturnCode);
                return false;
            }

            return Refuse(decision.Mqtt311ReturnCode, who, decision.Reason + decision.SlowedNote + ProblemReports.AddressRefusalNote);
        }

        /// <summary>The CONNECT of <paramref name="clientId"/>, authenticated (<paramref name="decision"/>) and holding its
        /// place among the sessions and the room of its <paramref name="will"/> if it has one: after the login throttle's
        /// delay, connected in the core and answered with the CONNACK, or refused.</summary>
        bool Connect(ConnectPacket connect, string clientId, IPEndPoint remote, string ip, string who, WillReservation will, AuthDecision decision)
        {
            if (decision.ResponseDelayMs > 0)
            {
                // Right credentials from an address that keeps failing are slowed too; only this connection's reader waits.
                Thread.Sleep(decision.ResponseDelayMs);
            }

            RelayConnection previous = _context.Core.ConnectionOf(clientId) as RelayConnection;
            if (!_context.TryAdmit(previous != null))
            {
                _context.Security.Disconnected(decision.Client);
                return Refuse(ConnectReturnCode.ServerUnavailable, who, "would exceed " + _context.Settings.MaxClients + " clients");
            }

            _admitted = true;
            _authenticated = decision.Client;
            if (!_context.Security.ConnectionRegistered(decision.Client))
            {
                // Revoked while this CONNECT waited (a slowed answer): the housekeeping's close could not have found this
                // connection, so it is refused here. Its end gives back its client place and its security entry.
                return Refuse(ConnectReturnCode.NotAuthorized, who, decision.Client.DisconnectReason);
            }

            _clientId = clientId;
            _clientAddress = ip + ":" + remote.Port;
            _cleanSession = connect.CleanSession;

            // From the next packet on the connection holds the client to it [MQTT-3.1.2-24].
            _keepAliveSeconds = connect.KeepAliveSeconds;
            int connAckOffset;
            PooledBuffer connAck = _connection.HoldConnAck(out connAckOffset);
            if (connAck == null)
            {
                return false;
            }

            bool sessionPresent;
            try
            {
                sessionPresent = _context.Core.Connect(clientId, connect.CleanSession, SessionExpiry(), _connection, decision.Client.ProvesClientId);
            }
            catch (SessionNotStoredException e)
            {
                // The core refused it (counted with the session refusals) before it took the connection: the client hears
                // 0x03 and may retry, as for the flash log's share at admission; the connection's end gives back the rest.
                _connection.RefuseHeldConnAck(connAck, connAckOffset, ConnectReturnCode.ServerUnavailable);
                string tally;
                if (_context.SessionStoreRefusals.ShouldReport(out tally))
                {
                    _context.Log.Warning("Refused CONNECT " + who + " with return code " + ConnectReturnCode.ServerUnavailable + ": "
                        + ClientTextForLog.Escaped(e.Message) + tally);
                }

                return false;
            }

            _connected = true;
            if (will != null)
            {
                // Kept by the core, which publishes it if the connection ends without DISCONNECT; a will topic the
                // client may not publish to is refused (and logged) by the access policy now.
                _context.Core.KeepWill(clientId, _connection, will, 0);
            }

            _connection.ReleaseConnAck(connAck, connAckOffset, sessionPresent);
            _context.Core.ConnectionAccepted(clientId, _connection);

            // [MQTT-3.1.4-2]: the core now routes to this connection; the one it replaced is closed.
            if (previous != null && previous != _connection)
            {
                previous.Close();
            }

            _context.Log.Info("Client " + ClientTextForLog.Of(clientId) + " connected from " + ip + " on channel " + _connection.ChannelId + " ("
                + ClientTextForLog.Escaped(decision.Reason) + ", clean session " + (connect.CleanSession ? "1" : "0") + ", keep-alive " + connect.KeepAliveSeconds + " s)");
            if (decision.PairingMessage != null)
            {
                DeliverCredentials(decision.PairingMessage);
            }

            return true;
        }

        /// <summary>A newly paired device's credentials: after the CONNACK, at QoS 1, to this connection only. The
        /// payload holds the device's secret and is never logged.</summary>
        void DeliverCredentials(PairingMessage pairing)
        {
            if (!_connection.Send(new RoutedMessage(pairing.Topic, pairing.Payload, 1, false), 1, false, null, 0, false))
            {
                _context.Log.Warning("Could not send newly paired client " + ClientTextForLog.Of(_clientId) + " its credentials: revoke it and pair it again");
            }
        }

        /// <summary>How long the session outlives the connection: a 3.1.1 session with clean session = 0 for the
        /// configured time (or until the client connects with clean session = 1), a clean one not at all.</summary>
        uint SessionExpiry()
        {
            return _cleanSession ? 0 : (uint)_context.Settings.SessionExpirySeconds;
        }

        /// <param name="who">The client ID and address when known, else the channel.</param>
        bool Refuse(int returnCode, string who, string reason)
        {
            _context.Log.Warning("Refused CONNECT " + who + " with return code " + returnCode + ": " + ClientTextForLog.Escaped(reason));
            _connection.SendConnAckAndFlush(returnCode);
            return false;
        }

        bool HandlePublish(int flags, PacketReader reader)
        {
            if (_publish == null)
            {
                _publish = new PublishPacket();
                _inbound = new RoutedMessage(string.Empty, null, 0, false);
                _topics = new TopicCache();
            }

            _publish.Decode(flags, reader);
            string topic = _topics.Resolve(reader.Buffer, _publish.TopicOffset, _publish.TopicLength, reader);
            if (!TopicValidator.IsValidTopicName(topic))
            {
                throw new MalformedPacketException("PUBLISH topic is not a valid topic name"); // [MQTT-3.3.2-2]
            }

            int qos = _publish.Qos;
            int packetId = _publish.PacketId;
            if (qos == 2)
            {
                // The session remembers what it routed and awaits PUBREL for, across reconnects (the core decides).
                int arrival = _context.Core.Qos2Arrived(_clientId, packetId);
                if (arrival == BrokerCore.Qos2Resent)
                {
                    // A resend of a message already routed: acknowledge it again, do not deliver it twice [MQTT-4.3.3-2].
                    return _connection.QueueAck(PacketWriter.PubRecHeader, packetId);
                }

                if (arrival == BrokerCore.Qos2TooMany)
                {
                    throw new MalformedPacketException("more than " + RelaySettings.MaxAwaitingRelease + " QoS 2 PUBLISHes awaiting PUBREL");
                }
            }

            RoutedMessage message = _inbound;
            message.Reuse(topic, reader.Buffer, _publish.PayloadOffset, _publish.PayloadLength, qos, _publish.Retain, _clientId, true);
            if (!Route(message) && qos > 0)
            {
                // Not accepted (the offline store or the uplink's queue cannot take it), and MQTT 3.1.1 has no negative
                // acknowledgement: the connection ends without the PUBACK (or PUBREC), so the client sends the message
                // again when it reconnects [MQTT-4.4.0-1].
                return false;
            }

            if (qos == 1)
            {
                return _connection.QueueAck(PacketWriter.PubAckHeader, packetId);
            }

            if (qos == 2)
            {
                _context.Core.Qos2Accepted(_clientId, packetId);
                return _connection.QueueAck(PacketWriter.PubRecHeader, packetId);
            }

            return true;
        }

        /// <summary>Routes a client's message through the core, which keeps it if it is to be retained
        /// (<see cref="RelayContext"/> hands the core the retained store) and queues it for the uplink if a forward
        /// rule takes it. Returns false when it was not accepted: a receiver needs it stored and the store cannot
        /// write (the core logs that condition once), or the uplink's queue is full under refuse-new.</summary>
        bool Route(RoutedMessage message)
        {
            // What subscribers sent before this arrived (an UNSUBSCRIBE, say) takes effect first.
            SubscriberMatch match = _connection.WaitForSubscribers(_context.Core, message.Topic);
            PublishOutcome outcome = _context.Core.Publish(_clientId, message, match);
            string tally;
            // A 3.1.1 publisher cannot be told, and a message other receivers got is Delivered: the log is where the
            // drop shows; a flood of them, thinned out.
            if (_context.Core.QuotaDropToReport(out tally))
            {
                _context.Log.Warning("Dropped PUBLISH from " + ClientTextForLog.Of(_clientId) + " to " + ClientTextForLog.Of(message.Topic) + ": the receiver's offline quota is full"
                    + tally);
            }

            _context.ReportQueueFullDrops();

            if (outcome == PublishOutcome.UplinkQueueFull)
            {
                if (_context.UplinkRefusals.ShouldReport(out tally))
                {
                    _context.Log.Warning("Did not accept PUBLISH from " + ClientTextForLog.Of(_clientId) + " to " + ClientTextForLog.Of(message.Topic) + ": the uplink's queue is full"
                        + tally);
                }

                return false;
            }
            else if (outcome == PublishOutcome.StoreUnavailable)
            {
                // Every publisher retries until the store can write again: thinned out like the other refusals.
                if (_context.StoreRefusals.ShouldReport(out tally))
                {
                    _context.Log.Warning("Did not accept PUBLISH from " + ClientTextForLog.Of(_clientId) + " to " + ClientTextForLog.Of(message.Topic) + ": the store cannot write"
                        + tally);
                }

                return false;
            }

            return true;
        }

        void HandlePubAck(PacketReader reader)
        {
            int packetId = reader.ReadPacketId();
            reader.ExpectEnd();
            long deliveryTag = _connection.CompleteDelivery(packetId);
            if (deliveryTag != 0)
            {
                _context.Core.Acknowledge(_clientId, deliveryTag);
            }
        }

        bool HandlePubRel(PacketReader reader)
        {
            int packetId = reader.ReadPacketId();
            reader.ExpectEnd();
            _context.Core.Qos2Released(_clientId, packetId);

            // Answered even for an unknown identifier: the client may be resending after a reconnect [MQTT-4.3.3-2].
            return _connection.QueueAck(PacketWriter.PubCompHeader, packetId);
        }

        bool HandleSubscribe(PacketReader reader)
        {
            SubscribePacket subscribe = SubscribePacket.Decode(reader);
            int count = subscribe.Filters.Length;
            int[] returnCodes = new int[count];
            for (int i = 0; i < count; i++)
            {
                returnCodes[i] = SubscribeOne(subscribe.Filters[i], subscribe.RequestedQos[i]);
            }

            if (!_connection.QueueSubAck(subscribe.PacketId, returnCodes))
            {
                return false;
            }

            // Retained messages follow the SUBACK [MQTT-3.3.1-6], at the lower of their QoS and the granted one, never on
            // a shared subscription [MQTT-4.8.2]: the core sends them as the connection's queue takes them.
            _context.Core.SendRetained(_clientId, _connection, subscribe.Filters, returnCodes, count, 0);
            return true;
        }

        /// <summary>The core's SUBSCRIBE decision in MQTT 3.1.1 terms.</summary>
        int SubscribeOne(string filter, int requestedQos)
        {
            int code = _context.Core.Subscribe(_clientId, filter, requestedQos, false, false, 0);
            if (code == BrokerCore.TopicFilterInvalid && !TopicValidator.IsValidTopicFilter(filter))
            {
                throw new MalformedPacketException("invalid topic filter"); // [MQTT-4.7.1-1], [MQTT-4.8.0-1]
            }

            if (code == BrokerCore.QuotaExceeded)
            {
                _context.Log.Warning("Client " + ClientTextForLog.Of(_clientId) + " refused a subscription: it holds "
                    + _context.Core.MaxSubscriptionsPerClient + ", the limit");
            }

            // 3.1.1 has one failure code; the core's MQTT 5 refusals ("not authorized", "quota exceeded", a share name
            // that is not one) become it.
            return code <= 2 ? code : SubscribeFailure;
        }

        bool HandleUnsubscribe(PacketReader reader)
        {
            UnsubscribePacket unsubscribe = UnsubscribePacket.Decode(reader);
            for (int i = 0; i < unsubscribe.Filters.Length; i++)
            {
                _context.Core.Unsubscribe(_clientId, unsubscribe.Filters[i]);
            }

            return _connection.QueueAck(PacketWriter.UnsubAckHeader, unsubscribe.PacketId);
        }
    }
}
