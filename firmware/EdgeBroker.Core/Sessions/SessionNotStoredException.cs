using System;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// The core refused an admitted CONNECT because the session store could not keep its session (a full disk or
    /// database, a failed flash write: <see cref="ISessionStore.SaveSession"/> threw, which is <see cref="Exception.InnerException"/>).
    /// Thrown by <see cref="BrokerCore.Connect(string, bool, uint, IClientConnection, bool)"/> before anything of the
    /// session changed — a new one is not kept, the connection not taken — and counted in
    /// <see cref="BrokerCore.SessionsRefused"/> with the CONNECTs refused at admission. Engines answer it as they answer
    /// those: CONNACK "server unavailable" (MQTT 3.1.1 0x03, MQTT 5 0x88: the store takes writes again once space
    /// comes back, so the client should retry), then close the connection.
    /// </summary>
    public sealed class SessionNotStoredException : Exception
    {
        /// <param name="cause">What the store threw; its message says why.</param>
        public SessionNotStoredException(Exception cause)
            : base("the session store could not keep the session: " + cause.Message, cause)
        {
        }
    }
}
