using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Every session the broker holds, by client ID. Thread-safe.</summary>
    internal sealed class SessionRegistry
    {
        readonly object _sync = new object();
        readonly StringMap _table;

        /// <summary>The places held by CONNECTs between their admission and their connect or refusal
        /// (<see cref="Reserve"/>), by client ID.</summary>
        readonly StringMap _reservations = new StringMap(4);

        /// <summary>How many of <see cref="_reservations"/> are for a client ID without a session: each takes a place
        /// beside the sessions (a client ID with a session holds its place already).</summary>
        int _waitingPlaces;

        public SessionRegistry(int expectedClients)
        {
            _table = new StringMap(expectedClients);
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _table.Count;
                }
            }
        }

        /// <summary>Sessions plus the places reserved for client IDs without one: what <see cref="BrokerCore.MaxSessions"/>
        /// bounds.</summary>
        public int PlacesTaken
        {
            get
            {
                lock (_sync)
                {
                    return _table.Count + _waitingPlaces;
                }
            }
        }

        /// <summary>
        /// Holds a place for a CONNECT of <paramref name="clientId"/>, checked and taken under the one lock: the place
        /// its session holds, or one of <paramref name="maxPlaces"/> (0: no limit) beside the sessions and the other
        /// reservations; CONNECTs of the same client ID share one. With <paramref name="storeRoom"/> (a session that
        /// outlives its connection) the place also holds that store's room for the session, taken in the same step
        /// (<see cref="ISessionStore.ReserveSessionRoom"/>), so racing CONNECTs cannot each take the store's last room
        /// either. Null when every place, or the store's room, is taken. The place stays taken — by the session
        /// <see cref="GetOrCreate"/> makes, or while the session it had ends — until each holder has called
        /// <see cref="Release"/>.
        /// </summary>
        public SessionReservation Reserve(string clientId, int maxPlaces, ISessionStore storeRoom)
        {
            lock (_sync)
            {
                SessionReservation reservation = (SessionReservation)_reservations.Get(clientId);
                bool hasSession = _table.Get(clientId) != null;
                if (reservation == null && !hasSession && maxPlaces > 0 && _table.Count + _waitingPlaces >= maxPlaces)
                {
                    return null;
                }

                // The store's lock is taken inside this one, and never the other way round.
                if (storeRoom != null && (reservation == null || reservation.StoreRoom == null) && !storeRoom.ReserveSessionRoom(clientId))
                {
                    return null;
                }

                if (reservation == null)
                {
                    reservation = new SessionReservation(clientId);
                    _reservations.Set(clientId, reservation);
                    if (!hasSession)
                    {
                        _waitingPlaces++;
                    }
                }

                if (storeRoom != null)
                {
                    reservation.StoreRoom = storeRoom;
                }

                reservation.Holders++;
                return reservation;
            }
        }

        /// <summary>One holder of <paramref name="reservation"/> is done (connected or refused); the last one gives the
        /// place back unless a session of its client ID holds it now, and the store's room that no save took.</summary>
        public void Release(SessionReservation reservation)
        {
            lock (_sync)
            {
                reservation.Holders--;
                if (reservation.Holders > 0 || !_reservations.Remove(reservation.ClientId, reservation))
                {
                    return;
                }

                if (_table.Get(reservation.ClientId) == null)
                {
                    _waitingPlaces--;
                }

                if (reservation.StoreRoom != null)
                {
                    reservation.StoreRoom.ReleaseSessionRoom(reservation.ClientId);
                }
            }
        }

        public Session Find(string clientId)
        {
            return Find(clientId, 0, clientId.Length);
        }

        /// <summary>Finds the session whose client ID equals the slice <paramref name="text"/>[start, start+length).</summary>
        public Session Find(string text, int start, int length)
        {
            lock (_sync)
            {
                return (Session)_table.Get(text, start, length);
            }
        }

        /// <summary>The existing session for <paramref name="clientId"/>, or a new one that is registered now.</summary>
        public Session GetOrCreate(string clientId, out bool existed)
        {
            lock (_sync)
            {
                Session session = (Session)_table.Get(clientId);
                existed = session != null;
                if (session == null)
                {
                    session = new Session(clientId);
                    _table.Set(clientId, session);
                    if (_reservations.Get(clientId) != null)
                    {
                        // The reserved place is the session's now.
                        _waitingPlaces--;
                    }
                }

                return session;
            }
        }

        /// <summary>Unregisters <paramref name="session"/> if it is still the registered one.</summary>
        public bool Remove(Session session)
        {
            lock (_sync)
            {
                if (!_table.Remove(session.ClientId, session))
                {
                    return false;
                }

                if (_reservations.Get(session.ClientId) != null)
                {
                    // A CONNECT of the client ID under way keeps the place the session held (a clean start, a
                    // reconnect while the old connection's session ends).
                    _waitingPlaces++;
                }

                return true;
            }
        }

        /// <summary>The sessions that outlive their connection — with <paramref name="awayOnly"/>, only those away now —
        /// read without their locks, so a caller that acts on one checks it again under its lock. What concerns only
        /// these (the expiry sweep, the offline queues) copies only these: a copy of every session at each sweep and
        /// each <c>$SYS</c> publication was most of what an idle host with 10,000 clients still did in its ticks
        /// (docs/performance.md, "Ticks that walk only what is due").</summary>
        public ArrayList Persistent(bool awayOnly)
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                for (int slot = 0; slot < _table.SlotCount; slot++)
                {
                    Session session = (Session)_table.ValueAt(slot);
                    if (session != null && session.IsPersistent && !(awayOnly && session.IsOnline))
                    {
                        sessions.Add(session);
                    }
                }
            }

            return sessions;
        }

        /// <summary>A copy of all sessions, for listings; made at its size, not grown by doubling
        /// (which left about three times the list's size in garbage at each call).</summary>
        public ArrayList Snapshot()
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                sessions.Capacity = _table.Count;
                _table.CopyValuesTo(sessions);
            }

            return sessions;
        }
    }
}
