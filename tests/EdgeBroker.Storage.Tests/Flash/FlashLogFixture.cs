using EdgeBroker.Core.Offline;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>A flash store in a temporary directory that tests can close, tamper with on disk, and open again.</summary>
public abstract class FlashLogFixture : IDisposable
{
    FlashStore? _store;

    protected TempDirectory Directory { get; } = new();

    protected FlashStoreLimits FlashLimits { get; } = new();

    protected OfflineLimits Limits { get; } = new() { MaxMessagesPerClient = 10_000, MaxBytesPerClient = 10_000_000 };

    protected FlashStore Store => _store ??= Open();

    protected IOfflineStore Offline => Store.Offline;

    protected string LogPath => Directory.File("edgebroker.log");

    protected string CompactionPath => Directory.File("edgebroker.log.new");

    protected FlashStore Open() => FlashStore.Open(Directory.Path, FlashLimits, Limits);

    protected void Close()
    {
        _store?.Dispose();
        _store = null;
    }

    /// <summary>Closes the store and returns the log file's bytes.</summary>
    protected byte[] CloseAndReadLog()
    {
        Close();
        return File.ReadAllBytes(LogPath);
    }

    public void Dispose()
    {
        Close();
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }
}
