using System.Collections;
using System.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>The uplink queue in the flash log: what a crash leaves (a torn last entry is cut off, every complete one
/// kept, sequences never reused) and what compaction keeps (the queue, readable, and the last sequence once the queue
/// is empty).</summary>
public sealed class UplinkQueueLogTests : FlashLogFixture
{
    const string Uplink = "cloud";

    IUplinkQueueStore Queue => Store.UplinkQueue;

    static UplinkEntry Entry(string payload, string topic = "gw/site/t") =>
        new(topic, Encoding.UTF8.GetBytes(payload), 1, false, "dedupe-" + payload, 1_750_000_000_000);

    List<string> Payloads()
    {
        var into = new ArrayList();
        Queue.Read(Uplink, 0, int.MaxValue, into);
        return into.Cast<UplinkEntry>().Select(entry => Encoding.UTF8.GetString(entry.Payload)).ToList();
    }

    [Theory]
    [InlineData(1)]        // inside the record header
    [InlineData(20)]       // inside the fields
    [InlineData(-1)]       // all but the last CRC byte
    public void TornLastEntry_IsCutOff_TheRestKept_AndItsSequenceNotReused(int keptBytesOfLastRecord)
    {
        Queue.Append(Uplink, Entry("first"));
        Queue.Append(Uplink, Entry("second"));
        int lastRecordStart = Store.LogBytes;
        long torn = Queue.Append(Uplink, Entry(new string('x', 40)));
        byte[] log = CloseAndReadLog();
        int cut = keptBytesOfLastRecord > 0 ? lastRecordStart + keptBytesOfLastRecord : log.Length + keptBytesOfLastRecord;
        File.WriteAllBytes(LogPath, log[..cut]);

        Assert.Equal(["first", "second"], Payloads());
        Assert.Equal(lastRecordStart, Store.LogBytes);

        // The torn entry was never acknowledged to its publisher (Append had not returned): its sequence may come
        // again, but never one below it.
        Assert.True(Queue.Append(Uplink, Entry("third")) >= torn);
        Close();
        Assert.Equal(["first", "second", "third"], Payloads());
    }

    [Fact]
    public void TornRemove_LeavesTheEntryQueued_SoItIsSentAgain()
    {
        long first = Queue.Append(Uplink, Entry("first"));
        Queue.Append(Uplink, Entry("second"));
        int removeStart = Store.LogBytes;
        Queue.Remove(Uplink, first);
        byte[] log = CloseAndReadLog();
        File.WriteAllBytes(LogPath, log[..(removeStart + 5)]);

        Assert.Equal(["first", "second"], Payloads());
    }

    [Fact]
    public void Compaction_KeepsTheQueueReadable_AndTheLogWithinItsBound()
    {
        FlashLimits.MaxLogBytes = 8192;
        FlashLimits.CompactAtDeadBytes = 2048;
        FlashLimits.SessionReserveBytes = 512;
        Queue.Append(Uplink, Entry("kept-all-along"));
        long previous = 0;
        for (int i = 0; i < 500; i++)
        {
            long sequence = Queue.Append(Uplink, Entry("message " + i));
            Assert.True(sequence > previous);
            if (previous != 0)
            {
                Queue.Remove(Uplink, previous);
            }

            previous = sequence;
            Assert.InRange(Store.LogBytes, 0, FlashLimits.MaxLogBytes);
        }

        Assert.Equal(["kept-all-along", "message 499"], Payloads());
        Close();
        Assert.Equal(["kept-all-along", "message 499"], Payloads());
        Assert.Equal(2, Queue.Count(Uplink));
    }

    [Fact]
    public void AfterACompactionThatDroppedEveryEntry_SequencesStillIncrease_AcrossARestart()
    {
        FlashLimits.CompactAtDeadBytes = 1024;
        long last = 0;
        for (int i = 0; i < 100; i++)
        {
            last = Queue.Append(Uplink, Entry("message " + i));
            Queue.RemoveOldest(Uplink, 0);
        }

        Close();
        Assert.Equal(0, Queue.Count(Uplink));
        Assert.True(Queue.Append(Uplink, Entry("after")) > last);
    }

    [Fact]
    public void AFullLog_RefusesTheEntry_WithZero_AndKeepsWhatIsQueued()
    {
        FlashLimits.MaxLogBytes = 4096;
        FlashLimits.SessionReserveBytes = 512;
        long sequence;
        int appended = 0;
        while ((sequence = Queue.Append(Uplink, Entry(new string('p', 100)))) > 0)
        {
            appended++;
        }

        Assert.Equal(0, sequence);
        Assert.Equal(appended, Queue.Count(Uplink));
        Close();
        Assert.Equal(appended, Queue.Count(Uplink));
    }
}
