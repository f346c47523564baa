namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// A client ID as log lines show it. MQTT allows IDs of 65,535 bytes; one that long is refused
    /// (<see cref="Security.SecurityOptions.MaxClientIdLength"/>), and the line saying so shows its start and its length,
    /// not all of it.
    /// </summary>
    public static class ClientIdForLog
    {
        /// <summary>IDs up to this long are shown whole: every ID the default limit accepts.</summary>
        const int ShownWhole = Security.SecurityOptions.DefaultMaxClientIdLength;

        const int ShownStart = 64;

        public static string Of(string clientId)
        {
            if (clientId.Length <= ShownWhole)
            {
                return clientId;
            }

            return clientId.Substring(0, ShownStart) + "... (" + clientId.Length + " characters)";
        }
    }
}
