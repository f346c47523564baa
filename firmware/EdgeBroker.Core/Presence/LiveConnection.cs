using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Presence
{
    /// <summary>One TCP connection whose CONNECT was accepted and that has not closed yet. Kept for every connected
    /// client, so it holds only what the connection cannot tell itself (a device counts its heap per client).</summary>
    public sealed class LiveConnection
    {
        public LiveConnection(string clientId, IClientConnection connection, long connectedAtUnixMilliseconds)
        {
            ClientId = clientId;
            Connection = connection;
            ConnectedAtUnixMilliseconds = connectedAtUnixMilliseconds;
        }

        public string ClientId { get; private set; }

        public IClientConnection Connection { get; private set; }

        /// <summary>The connection's channel ID, asked of the connection (an engine may build it on demand).</summary>
        public string ChannelId
        {
            get { return Connection.ChannelId; }
        }

        /// <summary>The client's IP address and port, as the engine saw them (<c>192.168.1.7:50312</c>), asked of the
        /// connection (an engine may build it on demand: the host keeps the address and port, not the string).</summary>
        public string ClientAddress
        {
            get { return Connection.ClientAddress; }
        }

        /// <summary>The <c>time</c> of the connection's connect event.</summary>
        public long ConnectedAtUnixMilliseconds { get; private set; }

        /// <summary>Whether the disconnect event has been published (at most one per connection).</summary>
        internal bool DisconnectReported { get; set; }

        /// <summary>The next live connection of the same client ID (there is one only during a takeover).</summary>
        internal LiveConnection NextOfClient { get; set; }
    }
}
