namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// A device paired with this gateway. The secret it received at pairing is not kept, only a salted hash of it
    /// (<see cref="SecretHasher"/>); a revoked entry stays, so listings show it and the device stays refused until
    /// it is paired again.
    /// </summary>
    public sealed class DeviceRecord
    {
        public DeviceRecord(string clientId, string group, string displayName, byte[] salt, byte[] secretHash, bool revoked, long pairedAtMs)
        {
            ClientId = clientId;
            Group = group;
            DisplayName = displayName;
            Salt = salt;
            SecretHash = secretHash;
            Revoked = revoked;
            PairedAtMs = pairedAtMs;
        }

        public string ClientId { get; private set; }

        public string Group { get; private set; }

        /// <summary>A name people gave it; the device ID part of the client ID until renamed.</summary>
        public string DisplayName { get; set; }

        public byte[] Salt { get; private set; }

        /// <summary>Never returned by an API or logged: with the salt it is enough to test guesses offline.</summary>
        public byte[] SecretHash { get; private set; }

        public bool Revoked { get; set; }

        /// <summary>Unix ms of the pairing that issued the current secret.</summary>
        public long PairedAtMs { get; private set; }
    }
}
