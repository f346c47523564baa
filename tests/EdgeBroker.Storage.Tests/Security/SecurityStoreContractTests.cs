using EdgeBroker.Core.Security;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Security;

/// <summary>
/// What the core's security relies on from every device and token store, run against each implementation (the memory
/// stores are the reference). The stores are opened on first use; <see cref="Close"/> closes them, and the next use
/// opens them again on the same directory, as a restart does.
/// </summary>
public abstract class SecurityStoreContractTests : IDisposable
{
    SecurityStoreSet? _stores;

    protected TempDirectory Directory { get; } = new();

    protected IDeviceStore Devices => Stores.Devices;

    protected ITokenStore Tokens => Stores.Tokens;

    SecurityStoreSet Stores => _stores ??= Open();

    protected abstract SecurityStoreSet Open();

    protected void Close()
    {
        _stores?.Dispose();
        _stores = null;
    }

    [Fact]
    public void A_device_is_found_by_its_client_id_with_everything_it_carries()
    {
        Devices.SaveDevice(Device("GID_s@@@d1", revoked: false));

        var found = Devices.FindDevice("GID_s@@@d1");

        AssertDevice(Device("GID_s@@@d1", revoked: false), found);
        Assert.Null(Devices.FindDevice("GID_s@@@unknown"));
    }

    [Fact]
    public void Saving_a_device_again_replaces_it()
    {
        Devices.SaveDevice(Device("GID_s@@@d1", revoked: false));
        var renamed = Device("GID_s@@@d1", revoked: true, name: "boiler room");

        Devices.SaveDevice(renamed);

        AssertDevice(renamed, Devices.FindDevice("GID_s@@@d1"));
        Assert.Single(Devices.LoadDevices());
    }

    [Fact]
    public void Every_device_is_listed_revoked_ones_too()
    {
        Devices.SaveDevice(Device("GID_s@@@d1", revoked: false));
        Devices.SaveDevice(Device("GID_s@@@d2", revoked: true));

        var listed = Devices.LoadDevices().Cast<DeviceRecord>().OrderBy(device => device.ClientId).ToList();

        Assert.Equal(["GID_s@@@d1", "GID_s@@@d2"], listed.Select(device => device.ClientId));
        Assert.True(listed[1].Revoked);
    }

    [Fact]
    public void Tokens_are_loaded_with_everything_they_carry_and_deleted_by_hash()
    {
        Tokens.SaveToken(Token("aa11", "AK", ["app", "sensors"], read: true, write: false));
        Tokens.SaveToken(Token("bb22", "AK2", ["app"], read: false, write: true));

        Tokens.DeleteToken("bb22");

        var loaded = Assert.Single(Tokens.LoadTokens().Cast<TokenRecord>());
        AssertToken(Token("aa11", "AK", ["app", "sensors"], read: true, write: false), loaded);
    }

    public void Dispose()
    {
        Close();
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static DeviceRecord Device(string clientId, bool revoked, string name = "d") =>
        new(clientId, "GID_s", name, [1, 2, 3, 4], [9, 8, 7, 6, 5], revoked, 1_750_000_000_000);

    protected static TokenRecord Token(string hash, string accessKeyId, string[] parents, bool read, bool write) =>
        new(hash, accessKeyId, parents, read, write, 1_760_000_000_000);

    protected static void AssertDevice(DeviceRecord expected, DeviceRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.ClientId, expected.Group, expected.DisplayName, expected.Revoked, expected.PairedAtMs),
            (actual.ClientId, actual.Group, actual.DisplayName, actual.Revoked, actual.PairedAtMs));
        Assert.Equal(expected.Salt, actual.Salt);
        Assert.Equal(expected.SecretHash, actual.SecretHash);
    }

    protected static void AssertToken(TokenRecord expected, TokenRecord actual)
    {
        Assert.Equal(
            (expected.Hash, expected.AccessKeyId, expected.CanRead, expected.CanWrite, expected.ExpiresAtMs),
            (actual.Hash, actual.AccessKeyId, actual.CanRead, actual.CanWrite, actual.ExpiresAtMs));
        Assert.Equal(expected.ParentTopics, actual.ParentTopics);
    }
}
