namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>The administration endpoints, as the README documents them.</summary>
public static class AdminPaths
{
    public const string TokenApply = "/token/apply";
    public const string TokenRevoke = "/token/revoke";
    public const string PairingOpen = "/pairing/open";
    public const string PairingClose = "/pairing/close";
    public const string Pairing = "/pairing";
    public const string Devices = "/devices";
    public const string DevicesRename = "/devices/rename";
    public const string DevicesRevoke = "/devices/revoke";
}
