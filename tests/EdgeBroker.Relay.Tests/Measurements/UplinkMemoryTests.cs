using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Firmware.Uplink;
using EdgeBroker.Relay.Tests.Support;
using Xunit.Abstractions;

namespace EdgeBroker.Relay.Tests.Measurements;

/// <summary>
/// The uplink's device budget (ARCHITECTURE.md): at most 4 KB of extra heap with the uplink configured, connected and
/// its queue empty, and what a queued message costs in the flash log and on the heap. Measured on .NET around the
/// firmware's own uplink code (the core's uplink, the driver and its thread, the flash queue); the device's transport,
/// M2Mqtt's client with its threads and buffers, is not in these figures (it can only be measured on hardware).
/// </summary>
[Collection(MeasurementCollection.Name)]
public class UplinkMemoryTests(ITestOutputHelper output)
{
    const int QueuedMessages = 1000;

    /// <summary>Uplinks measured at once (see <see cref="ExtraHeapOfUplink"/>): with 16 the heap's 8 KB steps made the
    /// median read 3.6–4.1 KB for the same code; with 64 it reads 3.55 KB run after run.</summary>
    const int Uplinks = 64;

    [Fact]
    public void A_connected_uplink_with_an_empty_queue_adds_at_most_4_KB_of_heap()
    {
        // Process-wide figures pick up what other threads allocate and free meanwhile, either way: the median of a few
        // rounds is the uplink's own.
        var rounds = Enumerable.Range(0, 5).Select(_ => ExtraHeapOfUplink()).ToList();
        long extra = rounds.Order().ElementAt(rounds.Count / 2);
        output.WriteLine($"uplink configured, connected, queue empty: {extra} bytes of extra heap (rounds: {string.Join(", ", rounds)})");

        Assert.InRange(extra, 1, 4096);
    }

    [Fact]
    public void A_queued_message_costs_one_flash_entry_and_one_heap_index_entry()
    {
        var storage = Directory.CreateTempSubdirectory("edgebroker-uplink-queue-");
        try
        {
            var limits = new FlashStoreLimits { MaxLogBytes = 16 * 1024 * 1024, CompactAtDeadBytes = 16 * 1024 * 1024 };
            using var store = FlashStore.Open(storage.FullName, limits, new RelaySettings().ToOfflineLimits());
            var uplink = new Core.Uplink.Uplink(UplinkTo("mqtt://127.0.0.1:1883"), store.UplinkQueue, new TestRandom());
            var payload = Encoding.UTF8.GetBytes("temperature=21.5");

            // The first offer grows the queue's arrays from nothing; measure from the second on.
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(new RoutedMessage("site/temperature", payload, 1, false), Clock.NowMs()));
            int logBefore = store.LogBytes;
            long heapBefore = RelayMemoryTests.SettledHeap();
            for (int i = 0; i < QueuedMessages; i++)
            {
                Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(new RoutedMessage("site/temperature", payload, 1, false), Clock.NowMs()));
            }

            double flashPerMessage = (double)(store.LogBytes - logBefore) / QueuedMessages;
            double heapPerMessage = (double)(RelayMemoryTests.SettledHeap() - heapBefore) / QueuedMessages;
            output.WriteLine($"{QueuedMessages} queued messages (remote topic gw/gw1/site/temperature, 16-byte payload): "
                + $"{flashPerMessage:0.#} bytes of flash log and {heapPerMessage:0.#} bytes of heap each");

            Assert.InRange(flashPerMessage, 1, 128);
            Assert.InRange(heapPerMessage, 1, 64);
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }

    /// <summary>What adding an uplink to a relay keeps on the heap, composed as <see cref="Gateway"/> composes it: its
    /// settings, the core's uplink on the flash queue, the driver with its thread, connected (through a transport that
    /// stands for the network connection and keeps nothing) and its retained status message. The device has one uplink;
    /// <see cref="Uplinks"/> of them are added to one relay so that the heap's granularity and other threads'
    /// allocations average out. The relay already keeps a retained message: .NET's FileStream allocates a 4 KB buffer
    /// on a file's first write, which on a fresh store would be counted against whatever writes first (the device's
    /// FileStream writes through, without one).</summary>
    static long ExtraHeapOfUplink()
    {
        using var relay = new SynchronousRelay();
        relay.Context.Core.PublishFromBroker(new RoutedMessage("site/config", Encoding.UTF8.GetBytes("warm-up"), 1, true));
        var drivers = new List<UplinkDriver>();
        long before = RelayMemoryTests.SettledHeap();
        for (int i = 0; i < Uplinks; i++)
        {
            var settings = RelayUplinkSettings.From(SettingsFile.Parse(string.Join('\n', "uplink = mqtt://127.0.0.1:1883",
                "uplink_name = cloud" + i, "uplink_client_id = gw1", "uplink_forward = site/#", "uplink_subscribe = cmd/#")), relay.Settings)!;
            var uplink = new Core.Uplink.Uplink(settings.Uplink, relay.Store.UplinkQueue, new TestRandom());
            relay.Context.Core.AddUplink(uplink);
            var driver = new UplinkDriver(uplink, new IdleTransport(), relay.Context, null);
            driver.Start();
            drivers.Add(driver);
        }

        Assert.True(SpinWait.SpinUntil(() => drivers.All(d => d.Uplink.Status(Clock.NowMs()).State == UplinkState.Connected), 5000));
        long extra = (RelayMemoryTests.SettledHeap() - before) / Uplinks;
        drivers.ForEach(driver => driver.Stop());
        return extra;
    }

    static UplinkSettings UplinkTo(string address)
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw1" };
        settings.AddAddress(UplinkAddress.Parse(address));
        settings.AddRule(new UplinkRule(UplinkDirection.Forward, "site/#", 1, "site/", "gw/gw1/site/"));
        return settings;
    }

    /// <summary>A connection that accepts everything and keeps nothing: the transport's own memory is not the
    /// firmware's uplink code's.</summary>
    sealed class IdleTransport : IUplinkTransport
    {
        public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener) => 0;

        public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId) => qos > 0 ? packetId : 0;

        public void Subscribe(string[] filters, int[] qos)
        {
        }

        public bool AcknowledgesAfterDelivery => true;

        public void Disconnect()
        {
        }
    }
}
