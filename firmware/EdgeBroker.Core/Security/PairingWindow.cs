using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>An open invitation for new devices of one group to pair, for <see cref="Seconds"/> from when it was opened.
    /// Whether it is open is timed on the interval clock (<see cref="Clock.MonotonicMs"/>): the device's first SNTP step,
    /// possibly minutes after the pairing button was pressed, neither ends nor stretches it. Its dates
    /// (<see cref="OpenedAtMs"/>, <see cref="ExpiresAtMs"/>) are for people and APIs only. Each client ID is admitted at
    /// most once per window.</summary>
    public sealed class PairingWindow
    {
        readonly ArrayList _admitted = new ArrayList();
        readonly long _closesAtMonotonicMs;

        /// <param name="openedAtMs">The wall clock (<see cref="Clock.NowMs"/>) when it was opened.</param>
        /// <param name="openedAtMonotonicMs">The interval clock (<see cref="Clock.MonotonicMs"/>) when it was opened.</param>
        public PairingWindow(string group, long openedAtMs, long openedAtMonotonicMs, int seconds)
        {
            Group = group;
            Seconds = seconds;
            OpenedAtMs = openedAtMs;
            _closesAtMonotonicMs = openedAtMonotonicMs + (long)seconds * 1000;
        }

        public string Group { get; private set; }

        /// <summary>How long it was opened for.</summary>
        public int Seconds { get; private set; }

        /// <summary>When it was opened (Unix ms, the wall clock then).</summary>
        public long OpenedAtMs { get; private set; }

        /// <summary>When it closes as a date (Unix ms): <see cref="OpenedAtMs"/> plus <see cref="Seconds"/>. Whether it is
        /// open is <see cref="RemainingMs"/>'s answer, which a later step of the wall clock does not change.</summary>
        public long ExpiresAtMs
        {
            get { return OpenedAtMs + (long)Seconds * 1000; }
        }

        /// <summary>How long it stays open after <paramref name="monotonicMs"/> (<see cref="Clock.MonotonicMs"/>); 0 once
        /// closed.</summary>
        public long RemainingMs(long monotonicMs)
        {
            return _closesAtMonotonicMs > monotonicMs ? _closesAtMonotonicMs - monotonicMs : 0;
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
