using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The host's storage holds its data directory while open: a second store on it in the same process is refused
/// as a second broker's would be, and the directory is free again once the first is disposed (a restart in one process,
/// as the end-to-end tests restart brokers). Memory-only storage holds nothing.</summary>
public sealed class DataDirectoryHoldTests : IDisposable
{
    readonly TempDirectory _directory = new();

    [Fact]
    public void A_second_store_on_a_held_directory_is_unavailable_until_the_first_is_disposed()
    {
        var options = new BrokerOptions { DataDir = _directory.Path };
        using (BrokerStorage.Open(options, options.OfflineLimits))
        {
            var error = Assert.Throws<StoreUnavailableException>(() => BrokerStorage.Open(options, options.OfflineLimits));

            Assert.Equal($"The data directory {_directory.Path} is in use by another EdgeBroker; stop it or choose another --data-dir.", error.Message);
        }

        BrokerStorage.Open(options, options.OfflineLimits).Dispose();
    }

    [Fact]
    public void Memory_only_storage_holds_no_directory()
    {
        var options = new BrokerOptions { DataDir = _directory.Path, Storage = StorageKind.Memory };

        using (BrokerStorage.Open(options, options.OfflineLimits))
        using (BrokerStorage.Open(options, options.OfflineLimits))
        {
            Assert.Empty(Directory.GetFiles(_directory.Path));
        }
    }

    public void Dispose() => _directory.Dispose();
}
