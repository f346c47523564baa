using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>
/// A session store with room for <see cref="Room"/> persistent sessions — kept ones and those whose room a CONNECT
/// under way holds (<see cref="ISessionStore.ReserveSessionRoom"/>), as the device's flash log counts its share — over a
/// <see cref="MemorySessionStore"/>. With <see cref="FailSaves"/> every save of a session throws, as a full disk does.
/// </summary>
internal sealed class RoomLimitedSessionStore(int room) : ISessionStore
{
    readonly object _sync = new();
    readonly MemorySessionStore _kept = new();
    readonly HashSet<string> _stored = [];
    readonly HashSet<string> _reserved = [];

    public int Room { get; } = room;

    public bool FailSaves { get; set; }

    /// <summary>Kept sessions plus the room held for CONNECTs under way.</summary>
    public int Taken
    {
        get
        {
            lock (_sync)
            {
                return _stored.Count + _reserved.Count;
            }
        }
    }

    public bool ReserveSessionRoom(string clientId)
    {
        lock (_sync)
        {
            if (_stored.Contains(clientId) || _reserved.Contains(clientId))
            {
                return true;
            }

            return _stored.Count + _reserved.Count < Room && _reserved.Add(clientId);
        }
    }

    public void ReleaseSessionRoom(string clientId)
    {
        lock (_sync)
        {
            _reserved.Remove(clientId);
        }
    }

    public void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs)
    {
        lock (_sync)
        {
            if (FailSaves)
            {
                throw new IOException("no room left on the device");
            }

            _reserved.Remove(clientId);
            _stored.Add(clientId);
            _kept.SaveSession(clientId, expiryIntervalSeconds, disconnectedAtMs);
        }
    }

    public void DeleteSession(string clientId)
    {
        lock (_sync)
        {
            _stored.Remove(clientId);
            _kept.DeleteSession(clientId);
        }
    }

    public void SaveSubscription(string clientId, SubscriptionRecord subscription) => _kept.SaveSubscription(clientId, subscription);

    public void DeleteSubscription(string clientId, string filter) => _kept.DeleteSubscription(clientId, filter);

    public ArrayList LoadSessions() => _kept.LoadSessions();
}
