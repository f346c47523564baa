namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// What a client chose — its client ID, the fields of its user name — as log lines show it. MQTT allows strings of
    /// 65,535 bytes; an ID that long is refused (<see cref="Security.SecurityOptions.MaxClientIdLength"/>), and the line
    /// saying so shows its start and its length, not all of it; so does the line refusing an unknown access key of that
    /// length (a flood of them wrote 54 KB a line).
    /// </summary>
    public static class ClientTextForLog
    {
        /// <summary>Text up to this long is shown whole: every ID the default limit accepts.</summary>
        const int ShownWhole = Security.SecurityOptions.DefaultMaxClientIdLength;

        const int ShownStart = 64;

        public static string Of(string text)
        {
            if (text.Length <= ShownWhole)
            {
                return text;
            }

            return text.Substring(0, ShownStart) + "... (" + text.Length + " characters)";
        }
    }
}
