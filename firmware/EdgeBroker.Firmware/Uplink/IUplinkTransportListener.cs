namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>What an <see cref="IUplinkTransport"/> reports about its connection, from its own thread.</summary>
    public interface IUplinkTransportListener
    {
        /// <summary>The upstream's PUBACK for the QoS 1 PUBLISH sent with <paramref name="packetId"/>.</summary>
        void PublishAcknowledged(int packetId);

        /// <summary>A PUBLISH from the upstream (one of the gateway's subscriptions). For QoS 1 the transport sends the
        /// PUBACK once this returns, so a message is acknowledged upstream only after the gateway routed it.</summary>
        void MessageReceived(string topic, byte[] payload, int qos, bool retain);

        /// <summary>A PUBLISH from the upstream larger than the relay's <c>max_packet_size</c> (<paramref name="packetBytes"/>
        /// in all) that the transport does not hand over: read past without keeping it (the emulator's socket client) or
        /// read whole by a client that cannot refuse it (M2Mqtt); <paramref name="topic"/> is null when it was not read.
        /// For QoS 1 it is acknowledged (by the transport once this returns, or by M2Mqtt before): the message can never
        /// be taken, and an unacknowledged one would come again on every reconnect.</summary>
        void MessageTooLarge(string topic, int packetBytes, int qos);

        /// <summary>The connection ended without <see cref="IUplinkTransport.Disconnect"/>: the network failed, the
        /// upstream closed it or stopped answering. <paramref name="reason"/> says which, without secrets.</summary>
        void ConnectionLost(string reason);
    }
}
