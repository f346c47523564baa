using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>The pairing windows currently open, at most one per group. Opening a group's window again restarts
    /// it with a fresh admission list. Which are open is decided on the interval clock (<see cref="Clock.MonotonicMs"/>).
    /// Not thread-safe: <see cref="BrokerSecurity"/> serialises calls.</summary>
    public sealed class PairingWindows
    {
        readonly ArrayList _windows = new ArrayList();

        public PairingWindow Open(string group, long nowMs, long monotonicMs, int seconds)
        {
            Close(group);
            PairingWindow window = new PairingWindow(group, nowMs, monotonicMs, seconds);
            _windows.Add(window);
            return window;
        }

        /// <summary>Closes the group's window; false when none was open.</summary>
        public bool Close(string group)
        {
            for (int i = 0; i < _windows.Count; i++)
            {
                if (((PairingWindow)_windows[i]).Group == group)
                {
                    _windows.RemoveAt(i);
                    return true;
                }
            }

            return false;
        }

        /// <summary>The group's window if it is open at <paramref name="nowMs"/>, else null.</summary>
        public PairingWindow Find(string group, long nowMs)
        {
            DropExpired(nowMs);
            for (int i = 0; i < _windows.Count; i++)
            {
                PairingWindow window = (PairingWindow)_windows[i];
                if (window.Group == group)
                {
                    return window;
                }
            }

            return null;
        }

        /// <summary>The <see cref="PairingWindow"/>s open at <paramref name="nowMs"/>.</summary>
        public ArrayList OpenAt(long nowMs)
        {
            DropExpired(nowMs);
            ArrayList open = new ArrayList();
            for (int i = 0; i < _windows.Count; i++)
            {
                open.Add(_windows[i]);
            }

            return open;
        }

        void DropExpired(long nowMs)
        {
            for (int i = _windows.Count - 1; i >= 0; i--)
            {
                if (((PairingWindow)_windows[i]).RemainingMs(nowMs) == 0)
                {
                    _windows.RemoveAt(i);
                }
            }
        }
    }
}
