namespace EdgeBroker.Dashboard;

/// <summary>
/// What the serving engine offers the dashboard, answered unsigned at <c>GET /dashboard/capabilities</c> so the page
/// knows before any login which panels to show and whether to ask for an access key. One page serves both engines: the
/// emulator hides what the device does not have rather than serving a second copy.
/// </summary>
/// <param name="Engine"><c>host</c> or <c>emulator</c>.</param>
/// <param name="InstanceId">The instance ID signed requests name (not a secret; null where requests are not signed).</param>
/// <param name="SignedRequests">Whether the API and the live feed take signed requests (the host), so the page asks
/// for an access key; the emulator's loopback-only endpoint takes none.</param>
/// <param name="Devices">Whether paired devices can be listed, renamed and revoked over HTTP.</param>
/// <param name="Pairing"><c>window</c>: any group's window, opened for a chosen time (<c>POST /pairing/open</c>);
/// <c>button</c>: the device's pairing button for its one group (<c>POST /pairing</c>).</param>
/// <param name="PairingGroup">The group the button pairs (button only).</param>
sealed record DashboardCapabilities(string Engine, string Version, string? InstanceId, bool SignedRequests, bool Devices, string Pairing,
    string? PairingGroup)
{
    public const string Path = "/dashboard/capabilities";

    public const string PairingWindow = "window";

    public const string PairingButton = "button";
}
