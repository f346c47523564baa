using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Deliveries a connection sent and its client did not acknowledge go to the session's next connection, to be
/// resent with their original packet identifiers [MQTT-4.4.0-1].</summary>
public class ResendIdentifierTests
{
    const string Receiver = "receiver";

    readonly TestBroker _broker = new();

    [Fact]
    public void A_resumed_session_gets_the_identifiers_its_last_connection_left_unacknowledged()
    {
        var first = _broker.Connect(Receiver, TestBroker.Persistent);
        first.Unacknowledged[7] = 41;
        first.Unacknowledged[9] = 42;
        _broker.Disconnect(first);

        var second = _broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false);

        Assert.Equal([(7, 41L), (9, 42L)], Entries(second.Resends));

        // Handed over, not kept twice: a third connection gets what the second left, not the first's again.
        _broker.Disconnect(second);
        var third = _broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false);
        Assert.Null(third.Resends);
    }

    [Fact]
    public void A_takeover_hands_the_older_connections_unacknowledged_deliveries_to_the_new_one()
    {
        var first = _broker.Connect(Receiver, TestBroker.Persistent);
        first.Unacknowledged[5] = 17;

        var second = _broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false);

        Assert.Equal([(5, 17L)], Entries(second.Resends));
    }

    [Fact]
    public void A_clean_start_or_a_session_that_ends_with_its_connection_resends_nothing()
    {
        var persistent = _broker.Connect(Receiver, TestBroker.Persistent);
        persistent.Unacknowledged[7] = 41;
        _broker.Disconnect(persistent);
        Assert.Null(_broker.Connect(Receiver, TestBroker.Persistent, cleanStart: true).Resends);

        var clean = _broker.Connect("clean", TestBroker.EndsWithConnection);
        clean.Unacknowledged[3] = 12;
        _broker.Disconnect(clean);
        Assert.Null(_broker.Connect("clean", TestBroker.EndsWithConnection).Resends);
    }

    [Fact]
    public void A_resend_takes_its_identifier_once_and_a_message_sent_without_dup_lets_the_rest_go()
    {
        var resends = new PacketIdentifiers();
        resends.Add(7, 41);
        resends.Add(9, 42);

        Assert.Equal(9, resends.TakeForResend(42, duplicate: true));
        Assert.Equal(0, resends.TakeForResend(42, duplicate: true));
        Assert.Equal(0, resends.TakeForResend(99, duplicate: true));
        Assert.Equal(1, resends.Count);
        Assert.Equal(0, resends.TakeForResend(43, duplicate: false));
        Assert.Equal(0, resends.Count);
    }

    static (int, long)[] Entries(PacketIdentifiers? identifiers)
    {
        Assert.NotNull(identifiers);
        return Enumerable.Range(0, identifiers.Count).Select(i => (identifiers.IdAt(i), identifiers.ValueAt(i))).ToArray();
    }
}
