using EdgeBroker.Core.Flow;

namespace EdgeBroker.Core.Tests.Flow;

/// <summary>The client's Receive Maximum on what the broker sends: how many QoS 1/2 PUBLISHes may be unacknowledged,
/// and that the rest wait in routing order.</summary>
public class InFlightWindowTests
{
    [Fact]
    public void Qos1_BeyondTheMaximum_WaitsUntilAnAcknowledgementFreesAPlace()
    {
        var window = new InFlightWindow(2);
        foreach (var name in new[] { "a", "b", "c" })
        {
            window.Offer(name, qos: 1);
        }

        Assert.Equal(["a", "b"], Drain(window));
        Assert.Equal((2, 1), (window.InFlight, window.Waiting));

        window.Acknowledged();

        Assert.Equal(["c"], Drain(window));
        Assert.Equal(2, window.InFlight);
    }

    [Fact]
    public void A_resumed_pubrel_holds_a_place_until_its_pubcomp_even_beyond_the_maximum()
    {
        var window = new InFlightWindow(1);
        window.Hold();
        window.Hold();
        window.Offer("next", qos: 2);

        Assert.Empty(Drain(window));
        window.Acknowledged();
        Assert.Empty(Drain(window));
        window.Acknowledged();

        Assert.Equal(["next"], Drain(window));
    }

    [Fact]
    public void Qos0_TakesNoPlace_ButDoesNotOvertakeAWaitingQos1()
    {
        var window = new InFlightWindow(1);
        window.Offer("q1", qos: 1);
        window.Offer("q0-before", qos: 0);
        window.Offer("q2", qos: 2);
        window.Offer("q0-after", qos: 0);

        Assert.Equal(["q1", "q0-before"], Drain(window));

        window.Acknowledged();

        Assert.Equal(["q2", "q0-after"], Drain(window));
        Assert.Equal(1, window.InFlight);
    }

    [Fact]
    public void AnAcknowledgementWithNothingInFlight_ChangesNothing()
    {
        var window = new InFlightWindow(1);
        window.Acknowledged();
        window.Offer("a", qos: 1);
        window.Offer("b", qos: 1);

        Assert.Equal(["a"], Drain(window));
    }

    [Fact]
    public void A_message_passes_at_once_only_with_nothing_waiting_and_a_place_free_which_it_takes()
    {
        var window = new InFlightWindow(1);

        Assert.True(window.PassesAtOnce(qos: 1));
        Assert.Equal(1, window.InFlight);
        Assert.False(window.PassesAtOnce(qos: 1));
        Assert.True(window.PassesAtOnce(qos: 0));

        // Behind a waiting message nothing passes, not even QoS 0: the order is the routing order.
        window.Offer("waiting", qos: 1);
        window.Acknowledged();
        Assert.False(window.PassesAtOnce(qos: 0));
        Assert.Equal(["waiting"], Drain(window));
        Assert.Equal((1, 0), (window.InFlight, window.Waiting));
    }

    [Fact]
    public void Many_waiting_go_out_in_routing_order_across_growth_and_wrap_around()
    {
        // Offers and takes interleave, so the waiting ring wraps around and grows while it is wrapped.
        var window = new InFlightWindow(InFlightWindow.Unlimited);
        var sent = new List<object>();
        var next = 0;
        for (var round = 0; round < 40; round++)
        {
            for (var i = 0; i < 3 + round; i++, next++)
            {
                window.Offer(next, qos: next % 3 == 0 ? 0 : 1);
            }

            for (var i = 0; i < 2 + round / 2 && window.TakeSendable() is { } item; i++)
            {
                sent.Add(item);
            }
        }

        sent.AddRange(Drain(window));

        Assert.Equal(Enumerable.Range(0, next).Cast<object>(), sent);
        Assert.Equal((next - (next + 2) / 3, 0), (window.InFlight, window.Waiting));
    }

    static List<object> Drain(InFlightWindow window)
    {
        var sent = new List<object>();
        while (window.TakeSendable() is { } item)
        {
            sent.Add(item);
        }

        return sent;
    }
}
