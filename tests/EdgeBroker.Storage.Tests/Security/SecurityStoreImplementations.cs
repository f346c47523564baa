using EdgeBroker.Core.Security;
using EdgeBroker.Host.Storage;

namespace EdgeBroker.Storage.Tests.Security;

/// <summary>One implementation's device and token stores, open on a directory; disposing closes them (the files stay).</summary>
public sealed class SecurityStoreSet(IDeviceStore devices, ITokenStore tokens, IDisposable? closer = null) : IDisposable
{
    public IDeviceStore Devices { get; } = devices;

    public ITokenStore Tokens { get; } = tokens;

    public void Dispose() => closer?.Dispose();
}

/// <summary>The reference: the core's heap stores (not durable).</summary>
public sealed class MemorySecurityStoreContractTests : SecurityStoreContractTests
{
    protected override SecurityStoreSet Open() => new(new MemoryDeviceStore(), new MemoryTokenStore());
}

/// <summary>The host's SQLite stores.</summary>
public sealed class SqliteSecurityStoreContractTests : DurableSecurityStoreContractTests
{
    protected override SecurityStoreSet Open()
    {
        var database = SqliteDatabase.Open(Directory.Path);
        return new SecurityStoreSet(new SqliteDeviceStore(database), new SqliteTokenStore(database), database);
    }
}
