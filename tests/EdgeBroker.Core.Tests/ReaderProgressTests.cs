using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>The core's answer to "may this receiver still hold input that arrived before the PUBLISH being routed?" and
/// "is the wait for it over?", as both engines ask it (observe, read the socket's unread bytes, ask), and the receivers it
/// is asked about.</summary>
public class ReaderProgressTests
{
    readonly CountingProgress _reader = new();

    /// <summary>Asked as an engine that does not peek (the relay): only how many bytes are unread.</summary>
    (bool MayHold, bool HasTarget, int Target, int Observed) Ask(int unread) => Ask(_reader, unread, []);

    /// <summary>Asked as the host asks: every unread byte peeked.</summary>
    static (bool MayHold, bool HasTarget, int Target, int Observed) Ask(ReaderProgress reader, string unreadHex) =>
        Ask(reader, unreadHex.Length / 2, Convert.FromHexString(unreadHex));

    static (bool MayHold, bool HasTarget, int Target, int Observed) Ask(ReaderProgress reader, int unread, byte[] peeked)
    {
        var observed = reader.Observe();
        var hasTarget = reader.TryTarget(observed, unread, out var target);
        return (reader.MayHoldEarlierInput(observed, unread, peeked, peeked.Length, out _), hasTarget, target, observed);
    }

    [Fact]
    public void A_reader_waiting_for_input_with_nothing_unread_holds_nothing()
    {
        _reader.AwaitingPacket();

        Assert.False(Ask(unread: 0).MayHold);
    }

    [Fact]
    public void A_reader_waiting_for_input_with_bytes_unread_is_waited_for_until_it_waits_again()
    {
        _reader.AwaitingPacket();
        var asked = Ask(unread: 12);
        Assert.True(asked.MayHold);

        // The UNSUBSCRIBE's continuation runs at last: it wakes, takes the bytes, handles the packet.
        _reader.PacketArriving();
        _reader.ReadingRest();
        _reader.Took(12);
        Assert.False(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));

        _reader.AwaitingPacket();
        Assert.True(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));
    }

    [Fact]
    public void A_busy_reader_is_waited_for_until_it_has_handled_every_byte_that_had_arrived()
    {
        _reader.PacketArriving();
        _reader.ReadingRest();
        _reader.Took(100);

        // Asked while 40 of the 100 bytes taken wait in its buffer and 10 more are unread in the socket.
        _reader.HandledAllBut(40);
        var asked = Ask(unread: 10);
        Assert.True(asked.MayHold);
        Assert.True(asked.HasTarget);

        _reader.ReadingRest();
        _reader.Took(10);
        _reader.HandledAllBut(5);
        Assert.False(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));

        // A client that keeps sending never lets the reader wait for input; the wait ends at the target all the same.
        _reader.ReadingRest();
        _reader.Took(300);
        _reader.HandledAllBut(200);
        Assert.True(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));
    }

    [Theory]
    [InlineData("40020001", "a PUBACK")]
    [InlineData("400200015002000262020003700200044002", "PUBACK, PUBREC, PUBREL, PUBCOMP and the start of a PUBACK")]
    [InlineData("C000400300011040", "a PINGREQ, an MQTT 5 PUBACK with its reason code, a PUBACK's first byte")]
    public void A_reader_waiting_for_input_whose_unread_bytes_are_acknowledgements_holds_nothing(string unreadHex, string what)
    {
        _reader.AwaitingPacket();

        Assert.False(Ask(_reader, unreadHex).MayHold, what);
    }

    [Theory]
    [InlineData("40020001A20600020001612F", "an UNSUBSCRIBE after a PUBACK")]
    [InlineData("8206000200016100", "a SUBSCRIBE")]
    [InlineData("3003000161", "a PUBLISH")]
    [InlineData("41020001", "a PUBACK with reserved flags set (malformed)")]
    [InlineData("4080010001", "an acknowledgement whose remaining length takes two bytes")]
    [InlineData("E000", "a DISCONNECT")]
    public void A_reader_waiting_for_input_with_anything_else_unread_is_waited_for(string unreadHex, string what)
    {
        _reader.AwaitingPacket();

        Assert.True(Ask(_reader, unreadHex).MayHold, what);
    }

    [Fact]
    public void Acknowledgements_are_trusted_only_when_every_unread_byte_was_peeked()
    {
        _reader.AwaitingPacket();

        // Four of twelve unread bytes seen: the other eight may hold an UNSUBSCRIBE.
        Assert.True(Ask(_reader, 12, Convert.FromHexString("40020001")).MayHold);
    }

    [Fact]
    public void Acknowledgements_unread_behind_a_busy_or_stalled_reader_are_waited_for()
    {
        // Not waiting for a packet: the unread bytes may be the rest of one being read (an UNSUBSCRIBE's tail).
        _reader.PacketArriving();
        Assert.True(Ask(_reader, "40020001").MayHold);

        _reader.ReadingRest();
        _reader.StalledInPacket();
        Assert.True(Ask(_reader, "40020001").MayHold);
    }

    [Fact]
    public void Acknowledgements_are_not_read_where_the_unread_bytes_need_not_begin_a_packet()
    {
        // The relay's blocking read takes a packet's first byte while the reader still says it waits for input.
        var takesFirstByte = new ReaderProgress(countsSocketBytes: true, waitsWithoutTaking: false);
        takesFirstByte.AwaitingPacket();
        Assert.True(Ask(takesFirstByte, "40020001").MayHold);

        // Under TLS the socket's bytes are records, not packets.
        var secured = new ReaderProgress(countsSocketBytes: false, waitsWithoutTaking: true);
        secured.AwaitingPacket();
        Assert.True(Ask(secured, "40020001").MayHold);
    }

    [Fact]
    public void A_reader_that_moved_on_while_its_bytes_were_peeked_is_waited_for()
    {
        _reader.AwaitingPacket();
        var observed = _reader.Observe();
        var peeked = Convert.FromHexString("40020001");

        // It woke and took the PUBACK; what followed it is not among the bytes peeked.
        _reader.PacketArriving();

        Assert.True(_reader.MayHoldEarlierInput(observed, peeked.Length, peeked, peeked.Length, out _));
    }

    [Fact]
    public void A_TLS_layer_taking_bytes_while_the_reader_waits_for_input_makes_it_waited_for()
    {
        var reader = new ReaderProgress(countsSocketBytes: false, waitsWithoutTaking: true);
        reader.AwaitingPacket();

        // SslStream reads a record inside the channel's zero-byte read: the socket is empty, the record not handled.
        reader.TakingFromSocket();

        var observed = reader.Observe();
        Assert.True(reader.MayHoldEarlierInput(observed, unread: 0, peeked: null, peekedCount: 0, heldNothing: out _));
    }

    [Fact]
    public void Inside_a_read_no_position_is_trusted()
    {
        _reader.PacketArriving();
        _reader.ReadingRest();

        // Bytes may have left the socket without being counted as taken yet.
        var asked = Ask(unread: 0);
        Assert.True(asked.MayHold);
        Assert.False(asked.HasTarget);
    }

    [Fact]
    public void Under_TLS_no_position_is_trusted()
    {
        var reader = new ReaderProgress(countsSocketBytes: false, waitsWithoutTaking: true);
        reader.PacketArriving();

        var observed = reader.Observe();
        Assert.False(reader.TryTarget(observed, 0, out _));
    }

    [Fact]
    public void A_reader_stalled_inside_a_packet_releases_its_waiters_and_is_not_waited_for_again()
    {
        _reader.PacketArriving();
        var asked = Ask(unread: 3);
        Assert.True(asked.MayHold);

        _reader.ReadingRest();
        _reader.StalledInPacket();

        Assert.True(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));
        Assert.False(Ask(unread: 0).MayHold);
    }

    [Fact]
    public void A_reader_that_waits_for_others_is_not_waited_for()
    {
        _reader.PacketArriving();
        _reader.BeginWaitingForOthers();

        Assert.False(Ask(unread: 50).MayHold);

        _reader.EndWaitingForOthers();
        Assert.True(Ask(unread: 50).MayHold);
    }

    [Fact]
    public void Held_nothing_says_whether_a_no_lasts_beyond_the_receivers_own_wait()
    {
        // Waiting for its next packet with nothing unread: a no that lasts for everything the asker had taken.
        _reader.AwaitingPacket();
        var observed = _reader.Observe();
        Assert.False(_reader.MayHoldEarlierInput(observed, 0, [], 0, out var heldNothing));
        Assert.True(heldNothing);

        // Waiting for others itself: a no only while that wait lasts, so not to be remembered.
        _reader.PacketArriving();
        _reader.BeginWaitingForOthers();
        observed = _reader.Observe();
        Assert.False(_reader.MayHoldEarlierInput(observed, 50, [], 0, out heldNothing));
        Assert.False(heldNothing);

        // Ended: nothing will ever be waited for.
        _reader.EndWaitingForOthers();
        _reader.Ended();
        observed = _reader.Observe();
        Assert.False(_reader.MayHoldEarlierInput(observed, 7, [], 0, out heldNothing));
        Assert.True(heldNothing);
    }

    [Fact]
    public void An_ended_connection_is_not_waited_for_and_releases_its_waiters()
    {
        _reader.PacketArriving();
        var asked = Ask(unread: 7);
        _reader.AddWaiter();

        _reader.Ended();

        Assert.Equal(1, _reader.Woken);
        Assert.True(_reader.CaughtUp(asked.Observed, asked.HasTarget, asked.Target));
        Assert.False(Ask(unread: 7).MayHold);
    }

    [Fact]
    public void Waiters_are_woken_only_while_there_are_any()
    {
        _reader.AwaitingPacket();
        Assert.Equal(0, _reader.Woken);

        _reader.AddWaiter();
        _reader.PacketArriving();
        _reader.AwaitingPacket();
        _reader.RemoveWaiter();
        _reader.PacketArriving();
        _reader.AwaitingPacket();

        Assert.Equal(1, _reader.Woken);
    }

    [Fact]
    public void The_subscribers_asked_about_are_the_connections_of_matching_sessions_and_share_members_once_each()
    {
        var broker = new TestBroker();
        var exact = broker.ConnectSubscribed("exact", "a/b");
        var overlapping = broker.ConnectSubscribed("overlapping", "a/+", "a/#");
        var member = broker.ConnectSubscribed("member", "$share/g/a/b");
        broker.ConnectSubscribed("other", "c/d");
        broker.Connect("p2p-target");

        var collected = broker.Core.MatchSubscribers("a/b")!.Connections!;
        Assert.Equal(new object[] { exact, overlapping, member }.ToHashSet(), collected.Cast<object>().ToHashSet());
        Assert.Equal(3, collected.Count);

        // Asking leaves the share group's turn where it was.
        var first = broker.ConnectSubscribed("first", "$share/turns/t");
        var second = broker.ConnectSubscribed("second", "$share/turns/t");
        broker.Core.MatchSubscribers("t");
        broker.Publish("publisher", "t");
        Assert.Single(first.Received);
        Assert.Empty(second.Received);

        // A P2P receiver is chosen by its client ID, not by subscriptions.
        Assert.Null(broker.Core.MatchSubscribers("devices/p2p/p2p-target"));
    }

    /// <summary>A reader shaped as the host's without TLS, whose engine counts the wake-ups it is asked for.</summary>
    sealed class CountingProgress() : ReaderProgress(countsSocketBytes: true, waitsWithoutTaking: true)
    {
        public int Woken { get; private set; }

        protected override void OnProgressed() => Woken++;
    }
}
