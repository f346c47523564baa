using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>An open invitation for new devices of one group to pair, for <see cref="Seconds"/> from when it was opened,
    /// timed on the interval clock (<see cref="Clock.MonotonicMs"/>): the device's first SNTP step, possibly minutes after
    /// the pairing button was pressed, neither ends nor stretches it. Each client ID is admitted at most once per
    /// window.</summary>
    public sealed class PairingWindow
    {
        readonly ArrayList _admitted = new ArrayList();
        readonly long _closesAtMs;

        public PairingWindow(string group, long openedAtMs, int seconds)
        {
            Group = group;
            Seconds = seconds;
            _closesAtMs = openedAtMs + (long)seconds * 1000;
        }

        public string Group { get; private set; }

        /// <summary>How long it was opened for.</summary>
        public int Seconds { get; private set; }

        /// <summary>How long it stays open after <paramref name="monotonicMs"/> (<see cref="Clock.MonotonicMs"/>); 0 once
        /// closed. A date for people (an API's <c>expiresAt</c>) is the wall clock's now plus this.</summary>
        public long RemainingMs(long monotonicMs)
        {
            return _closesAtMs > monotonicMs ? _closesAtMs - monotonicMs : 0;
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
