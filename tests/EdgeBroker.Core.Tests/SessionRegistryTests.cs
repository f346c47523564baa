using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Tests;

/// <summary>The registry and the open-addressing <see cref="Collections.StringMap"/> behind it.</summary>
public class SessionRegistryTests
{
    const int Many = 10_000;

    static string ClientId(int i) => "GID_test@@@DEVICE_" + i.ToString("D5");

    /// <summary>A registry sized for a handful of clients, so that adding many forces several resizes.</summary>
    static SessionRegistry RegistryWith(int count)
    {
        var registry = new SessionRegistry(expectedClients: 4);
        for (int i = 0; i < count; i++)
        {
            registry.GetOrCreate(ClientId(i), out bool existed);
            Assert.False(existed);
        }

        return registry;
    }

    [Fact]
    public void GetOrCreate_RegistersOnceAndThenReturnsTheSameSession()
    {
        var registry = new SessionRegistry(expectedClients: 4);

        Session created = registry.GetOrCreate("dev1", out bool existedBefore);
        Session found = registry.GetOrCreate("dev1", out bool existedAfter);

        Assert.False(existedBefore);
        Assert.True(existedAfter);
        Assert.Same(created, found);
        Assert.Equal("dev1", created.ClientId);
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public void Persistent_ListsTheSessionsThatOutliveTheirConnection_AndWithAwayOnlyThoseAwayNow()
    {
        SessionRegistry registry = RegistryWith(Many);
        for (int i = 0; i < Many; i += 10)
        {
            Session session = registry.Find(ClientId(i))!;
            session.IsPersistent = true;
            session.Connection = i % 20 == 0 ? new Tests.Support.RecordingConnection(session.ClientId, 60) : null;
        }

        Assert.Equal(Many / 10, registry.Persistent(awayOnly: false).Count);
        Assert.Equal(
            Enumerable.Range(0, Many).Where(i => i % 10 == 0 && i % 20 != 0).Select(ClientId).Order(),
            registry.Persistent(awayOnly: true).Cast<Session>().Select(session => session.ClientId).Order());
    }

    [Fact]
    public void ManySessions_AreAllFoundAfterGrowing()
    {
        SessionRegistry registry = RegistryWith(Many);

        Assert.Equal(Many, registry.Count);
        for (int i = 0; i < Many; i++)
        {
            Assert.Equal(ClientId(i), registry.Find(ClientId(i))?.ClientId);
        }

        Assert.Null(registry.Find(ClientId(Many)));
        Assert.Equal(Many, registry.Snapshot().Count);
    }

    [Fact]
    public void RemovedSessions_AreGone_AndTheRestAreStillFoundPastTheirTombstones()
    {
        SessionRegistry registry = RegistryWith(Many);

        for (int i = 0; i < Many; i += 2)
        {
            Assert.True(registry.Remove(registry.Find(ClientId(i))!));
        }

        Assert.Equal(Many / 2, registry.Count);
        for (int i = 0; i < Many; i++)
        {
            Session? found = registry.Find(ClientId(i));
            if (i % 2 == 0)
            {
                Assert.Null(found);
            }
            else
            {
                Assert.Equal(ClientId(i), found?.ClientId);
            }
        }

        Assert.Equal(Many / 2, registry.Snapshot().Count);
    }

    [Fact]
    public void RemovedClientIds_CanBeRegisteredAgain()
    {
        SessionRegistry registry = RegistryWith(Many);
        for (int i = 0; i < Many; i += 2)
        {
            registry.Remove(registry.Find(ClientId(i))!);
        }

        for (int i = 0; i < Many; i += 2)
        {
            registry.GetOrCreate(ClientId(i), out bool existed);
            Assert.False(existed);
        }

        Assert.Equal(Many, registry.Count);
        for (int i = 0; i < Many; i++)
        {
            Assert.Equal(ClientId(i), registry.Find(ClientId(i))?.ClientId);
        }
    }

    [Fact]
    public void ChurnOfUniqueClientIds_DoesNotFillTheTableWithTombstones()
    {
        // Every add of a new ID after a remove leaves a tombstone behind; without resizing, lookups would eventually
        // probe a table with no empty slot and never end.
        var registry = new SessionRegistry(expectedClients: 4);
        registry.GetOrCreate("resident", out _);

        for (int i = 0; i < Many; i++)
        {
            Session session = registry.GetOrCreate(ClientId(i), out _);
            Assert.True(registry.Remove(session));
            Assert.Null(registry.Find(ClientId(i)));
        }

        Assert.Equal(1, registry.Count);
        Assert.NotNull(registry.Find("resident"));
        Assert.Null(registry.Find("absent"));
    }

    [Fact]
    public void Find_BySlice_MatchesOnlyTheExactSlice()
    {
        var registry = new SessionRegistry(expectedClients: 4);
        Session dev1 = registry.GetOrCreate("GID_x@@@dev1", out _);
        registry.GetOrCreate("GID_x@@@dev10", out _);
        const string topic = "home/p2p/GID_x@@@dev1";

        Assert.Same(dev1, registry.Find(topic, 9, 12));
        Assert.Null(registry.Find(topic, 9, 11));     // "GID_x@@@dev" is a prefix, not a client ID
        Assert.Null(registry.Find(topic, 8, 13));     // "/GID_x@@@dev1"
        Assert.Null(registry.Find(topic, 0, 4));      // "home"
    }

    [Fact]
    public void Find_BySlice_WorksForManySessions()
    {
        SessionRegistry registry = RegistryWith(Many);

        for (int i = 0; i < Many; i++)
        {
            string topic = "parent/p2p/" + ClientId(i) + "/tail";
            Assert.Equal(ClientId(i), registry.Find(topic, 11, ClientId(i).Length)?.ClientId);
        }
    }

    [Fact]
    public void Remove_OfAStaleSession_LeavesTheRegisteredOneInPlace()
    {
        var registry = new SessionRegistry(expectedClients: 4);
        Session registered = registry.GetOrCreate("dev1", out _);
        var stale = new Session("dev1");

        Assert.False(registry.Remove(stale));
        Assert.Same(registered, registry.Find("dev1"));
        Assert.True(registry.Remove(registered));
        Assert.False(registry.Remove(registered));
        Assert.Equal(0, registry.Count);
    }
}
