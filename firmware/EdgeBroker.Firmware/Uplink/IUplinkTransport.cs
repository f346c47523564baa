namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>
    /// The relay's MQTT 3.1.1 client connection to an upstream broker, as the uplink driver needs it and nothing more:
    /// the device implements it with nanoFramework.M2Mqtt's <c>MqttClient</c> (Device/), the emulator with a socket
    /// client on the relay's codec. One connection at a time; <see cref="Connect"/> after a loss opens a new one.
    /// Calls come from the driver's thread; callbacks (<see cref="IUplinkTransportListener"/>) from the transport's own.
    /// </summary>
    public interface IUplinkTransport
    {
        /// <summary>
        /// Opens a connection with clean session 0 (the upstream keeps the gateway's subscriptions and unacknowledged
        /// messages across outages) and waits for the CONNACK. Returns its return code: 0 accepted, anything else
        /// refused (the connection is then closed). Throws <see cref="UplinkTransportException"/> when the upstream
        /// cannot be reached or does not answer in time. Callbacks go to <paramref name="listener"/> until the
        /// connection is lost or closed.
        /// </summary>
        int Connect(UplinkConnectRequest request, IUplinkTransportListener listener);

        /// <summary>
        /// Sends a PUBLISH at QoS 0 or 1 and returns the packet identifier it went with (0 for QoS 0). The driver
        /// proposes <paramref name="packetId"/> (the same one again when it resends with <paramref name="duplicate"/>);
        /// a transport that picks its own (M2Mqtt) returns that instead and may not be able to set DUP. A QoS 0 PUBLISH
        /// has been handed to the network when this returns. Throws <see cref="UplinkTransportException"/> when the
        /// connection is gone.
        /// </summary>
        int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId);

        /// <summary>Subscribes to <paramref name="filters"/>, each at the QoS of the same index (answered by a SUBACK the
        /// driver does not wait for: the upstream's session keeps them). Throws <see cref="UplinkTransportException"/>
        /// when the connection is gone.</summary>
        void Subscribe(string[] filters, int[] qos);

        /// <summary>Whether a QoS 1 message from the upstream is acknowledged only once
        /// <see cref="IUplinkTransportListener.MessageReceived"/> has returned, reading nothing more meanwhile: the
        /// listener then holds the upstream back by taking its time, and the upstream keeps what it has not sent. False
        /// for M2Mqtt, which acknowledges first and queues what comes on while the listener is busy.</summary>
        bool AcknowledgesAfterDelivery { get; }

        /// <summary>Sends DISCONNECT and closes the connection (no <see cref="IUplinkTransportListener.ConnectionLost"/>
        /// follows); does nothing when there is none.</summary>
        void Disconnect();
    }
}
