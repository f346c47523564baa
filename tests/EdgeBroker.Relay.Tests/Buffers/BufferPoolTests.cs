using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Relay.Tests.Buffers;

/// <summary>The buffer pool's sizes, its bound (<c>max_buffer_bytes</c>) and what it gives back.</summary>
public class BufferPoolTests
{
    /// <summary>What a 256-byte buffer counts against the bound: its bytes and the objects around it.</summary>
    const int Small = 256 + BufferPool.PerBufferBytes;

    [Fact]
    public void Sizes_double_from_the_smallest_up_to_the_maximum_packet_size()
    {
        var device = new BufferPool(256, 4096, 8192);
        var odd = new BufferPool(256, 3000, 8192);
        var tiny = new BufferPool(256, 128, 8192);

        Assert.Equal([256, 256, 512, 1024, 1024, 2048, 4096], new[] { 1, 256, 257, 1000, 1024, 2048, 2049 }.Select(device.SizeFor));
        Assert.Equal([2048, 3000], new[] { 2048, 2049 }.Select(odd.SizeFor));
        Assert.Equal(256, tiny.SizeFor(128));
    }

    [Fact]
    public void A_message_behind_others_is_refused_beyond_the_bound_qos0_at_three_quarters_but_a_queues_first_message_never()
    {
        var pool = new BufferPool(256, 4096, 8 * Small);
        var lent = new List<PooledBuffer>();
        for (int i = 0; i < 6; i++)
        {
            lent.Add(pool.RentForMessage(200, qos: 0, queuedPackets: 1)!);
        }

        Assert.Null(pool.RentForMessage(200, qos: 0, queuedPackets: 1));
        lent.Add(pool.RentForMessage(200, qos: 1, queuedPackets: 1)!);
        lent.Add(pool.RentForMessage(200, qos: 1, queuedPackets: 1)!);
        Assert.Null(pool.RentForMessage(200, qos: 1, queuedPackets: 1));
        Assert.Equal((8 * Small, 2L), (pool.HeldBytes, pool.Refused));

        // A queue that is empty (its client keeps up) gets its next message whatever the others hold.
        lent.Add(pool.RentForMessage(200, qos: 0, queuedPackets: 0)!);
        Assert.Equal(9 * Small, pool.HeldBytes);
        Assert.Equal(2L, pool.Refused);
    }

    [Fact]
    public void Receive_buffers_are_never_refused_and_what_comes_back_beyond_the_bound_is_let_go_of()
    {
        var pool = new BufferPool(256, 4096, 8 * Small);
        var received = Enumerable.Range(0, 12).Select(_ => pool.Rent(100)).ToList();
        Assert.Equal(12 * Small, pool.HeldBytes);

        received.ForEach(pool.Return);

        Assert.Equal(8 * Small, pool.HeldBytes);
    }

    [Fact]
    public void A_buffer_of_another_size_is_made_room_for_by_letting_go_of_kept_ones()
    {
        const int Large = 4096 + BufferPool.PerBufferBytes;
        var pool = new BufferPool(256, 4096, Large);
        var small = Enumerable.Range(0, Large / Small).Select(_ => pool.Rent(100)).ToList();
        small.ForEach(pool.Return);

        var large = pool.Rent(4000);

        Assert.Equal(Large, pool.HeldBytes);
        pool.Return(large);
    }

    [Fact]
    public void Kept_buffers_beyond_recent_use_are_given_back_while_steady_traffic_keeps_its_own()
    {
        var pool = new BufferPool(256, 4096, 8192);
        var burst = Enumerable.Range(0, 20).Select(_ => pool.Rent(100)).ToList();
        burst.ForEach(pool.Return);
        int created = pool.Created;

        void SteadyTraffic()
        {
            for (int i = 0; i < 100; i++)
            {
                var receive = pool.Rent(100);
                var send = pool.RentForMessage(100, qos: 0, queuedPackets: 0)!;
                pool.Return(receive);
                pool.Return(send);
            }
        }

        // The interval with the burst keeps what it used; the next, with only steady traffic, keeps that.
        SteadyTraffic();
        pool.GiveBackUnused();
        Assert.Equal(20 * Small, pool.HeldBytes);
        SteadyTraffic();
        pool.GiveBackUnused();
        Assert.Equal(2 * Small, pool.HeldBytes);
        SteadyTraffic();
        pool.GiveBackUnused();

        Assert.Equal(2 * Small, pool.HeldBytes);
        Assert.Equal(created, pool.Created);

        // Quiet: nothing is kept.
        pool.GiveBackUnused();
        Assert.Equal(0, pool.HeldBytes);
    }
}
