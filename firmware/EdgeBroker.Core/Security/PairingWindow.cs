using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>An open invitation for new devices of one group to pair, until <see cref="ExpiresAtMs"/>. Each client
    /// ID is admitted at most once per window, and at most <see cref="Devices"/> IDs are.</summary>
    public sealed class PairingWindow
    {
        readonly ArrayList _admitted = new ArrayList();

        public PairingWindow(string group, long openedAtMs, long expiresAtMs)
        {
            Group = group;
            OpenedAtMs = openedAtMs;
            ExpiresAtMs = expiresAtMs;
        }

        public string Group { get; private set; }

        public long OpenedAtMs { get; private set; }

        public long ExpiresAtMs { get; private set; }

        /// <summary>How many devices it pairs at most (<see cref="SecurityOptions.PairingDevicesPerWindow"/> unless opened
        /// for another number); refused attempts do not count.</summary>
        public int Devices { get; internal set; }

        /// <summary>Whether it has paired its <see cref="Devices"/>: it admits no one more, though it stays open.</summary>
        public bool HasPairedAll
        {
            get { return _admitted.Count >= Devices; }
        }

        /// <summary>Client IDs paired in this window.</summary>
        public ArrayList Admitted { get { return _admitted; } }

        public bool HasAdmitted(string clientId)
        {
            for (int i = 0; i < _admitted.Count; i++)
            {
                if ((string)_admitted[i] == clientId)
                {
                    return true;
                }
            }

            return false;
        }

        internal void Admit(string clientId)
        {
            _admitted.Add(clientId);
        }
    }
}
