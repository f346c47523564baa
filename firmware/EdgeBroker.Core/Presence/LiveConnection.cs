using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Presence
{
    /// <summary>One TCP connection whose CONNECT was accepted and that has not closed yet.</summary>
    public sealed class LiveConnection
    {
        public LiveConnection(string clientId, IClientConnection connection, string clientAddress, long connectedAtUnixMilliseconds)
        {
            ClientId = clientId;
            Connection = connection;
            ChannelId = connection.ChannelId;
            ClientAddress = clientAddress;
            ConnectedAtUnixMilliseconds = connectedAtUnixMilliseconds;
        }

        public string ClientId { get; private set; }

        public IClientConnection Connection { get; private set; }

        public string ChannelId { get; private set; }

        /// <summary>The client's IP address and port, as the engine saw them (<c>192.168.1.7:50312</c>).</summary>
        public string ClientAddress { get; private set; }

        /// <summary>The <c>time</c> of the connection's connect event.</summary>
        public long ConnectedAtUnixMilliseconds { get; private set; }

        /// <summary>Whether the disconnect event has been published (at most one per connection).</summary>
        internal bool DisconnectReported { get; set; }
    }
}
