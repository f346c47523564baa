using EdgeBroker.Core.Sessions;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>What opening the log does with what a crash leaves (a torn last record: cut off, the rest kept) and with
/// what a crash cannot leave (damage before the end: a clear error, nothing changed).</summary>
public sealed class TornAndDamagedLogTests : FlashLogFixture
{
    [Theory]
    [InlineData(1)]        // inside the record header
    [InlineData(8)]        // one byte short of the header
    [InlineData(9)]        // header only
    [InlineData(20)]       // inside the fields
    [InlineData(60)]       // inside the payload
    [InlineData(-1)]       // all but the last CRC byte
    public void TornLastRecord_IsCutOff_AndEveryCompleteRecordIsKept(int keptBytesOfLastRecord)
    {
        Store.Sessions.SaveSession("dev", 60, 0);
        Offline.Append("dev", "first");
        Offline.Append("dev", "second");
        int lastRecordStart = Store.LogBytes;
        long torn = Offline.Append("dev", new string('x', 40));
        byte[] log = CloseAndReadLog();
        int cut = keptBytesOfLastRecord > 0 ? lastRecordStart + keptBytesOfLastRecord : log.Length + keptBytesOfLastRecord;
        File.WriteAllBytes(LogPath, log[..cut]);

        Assert.Equal(new[] { "first", "second" }, Offline.ReadAll("dev").Payloads());
        Assert.Single(Store.Sessions.LoadSessions());
        Assert.Equal(lastRecordStart, Store.LogBytes);

        // The log goes on from the cut, and ids are not reused.
        Assert.True(Offline.Append("dev", "third") > torn - 1);
        Close();
        Assert.Equal(new[] { "first", "second", "third" }, Offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void ChecksumFailureOfTheLastRecord_IsATornEnd()
    {
        Offline.Append("dev", "kept");
        int lastRecordStart = Store.LogBytes;
        Offline.Append("dev", "half-written");
        byte[] log = CloseAndReadLog();
        log[IndexOf(log, "half-written")] ^= 0x01;
        File.WriteAllBytes(LogPath, log);

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
        Assert.Equal(lastRecordStart, Store.LogBytes);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xFF)]
    public void ErasedSpaceAfterTheLastRecord_IsATornEnd(byte erased)
    {
        Offline.Append("dev", "kept");
        byte[] log = CloseAndReadLog();
        File.WriteAllBytes(LogPath, log.Concat(Enumerable.Repeat(erased, 40)).ToArray());

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
        Assert.Equal(log.Length, Store.LogBytes);
    }

    [Fact]
    public void ChecksumFailureBeforeTheEnd_IsDamage_NamingTheFile_AndNothingIsChanged()
    {
        Offline.Append("dev", "payload-one");
        Offline.Append("dev", "payload-two");
        byte[] log = CloseAndReadLog();
        int firstPayload = IndexOf(log, "payload-one");
        log[firstPayload] ^= 0x01;
        File.WriteAllBytes(LogPath, log);

        var error = Assert.Throws<FlashStoreException>(Open);

        Assert.Contains(LogPath, error.Message);
        Assert.Contains("checksum", error.Message);
        Assert.Contains("Nothing was changed", error.Message);
        Assert.Equal(log, File.ReadAllBytes(LogPath));
    }

    [Fact]
    public void DamagedLengthBeforeTheEnd_IsDamage_NotATornEnd()
    {
        Offline.Append("dev", "first");
        Offline.Append("dev", "second");
        byte[] log = CloseAndReadLog();
        log[18 + 3] = 0x7F;    // the first record's payload length: it would now run past the end of the file
        File.WriteAllBytes(LogPath, log);

        var error = Assert.Throws<FlashStoreException>(Open);

        Assert.Contains(LogPath, error.Message);
        Assert.Equal(log, File.ReadAllBytes(LogPath));
    }

    [Fact]
    public void AFileThatIsNotALog_IsNamed_AndLeftAlone()
    {
        byte[] garbage = "this is not an EdgeBroker log at all"u8.ToArray();
        File.WriteAllBytes(LogPath, garbage);

        var error = Assert.Throws<FlashStoreException>(Open);

        Assert.Contains(LogPath, error.Message);
        Assert.Contains("move it away", error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(LogPath));
    }

    [Fact]
    public void ALogOfANewerFormat_SaysSo()
    {
        Store.Sessions.SaveSession("dev", 60, 0);
        byte[] log = CloseAndReadLog();
        log[4] = LogHeader.FormatVersion + 1;
        BitConverter.GetBytes(Crc32.Of(log, 0, 14)).CopyTo(log, 14);
        File.WriteAllBytes(LogPath, log);

        var error = Assert.Throws<FlashStoreException>(Open);

        Assert.Contains(LogPath, error.Message);
        Assert.Contains("newer EdgeBroker", error.Message);
    }

    [Fact]
    public void ALogOfTheFirstFormat_IsKept_AndRewrittenInTheCurrentOne()
    {
        Store.Sessions.SaveSession("dev", 60, 0);
        Offline.Append("dev", "kept");
        byte[] log = CloseAndReadLog();
        log[4] = 1;
        BitConverter.GetBytes(Crc32.Of(log, 0, 14)).CopyTo(log, 14);
        File.WriteAllBytes(LogPath, log);

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
        Assert.Single(Store.Sessions.LoadSessions());
        Assert.Equal(LogHeader.FormatVersion, CloseAndReadLog()[4]);
    }

    static int IndexOf(byte[] haystack, string needle)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(needle);
        for (int i = 0; i + bytes.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, bytes.Length).SequenceEqual(bytes))
            {
                return i;
            }
        }

        throw new InvalidOperationException(needle + " is not in the log");
    }
}
