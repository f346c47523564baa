using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>A signed request that changes something is accepted once: sent again while its timestamp would still pass —
/// a captured request replayed, or a client's retry — it is refused with 403 code 7 and nothing is done; a listing may
/// be asked again. The broker's memory of used signatures is bounded (503 code 8 beyond it). Host only, over real
/// HTTP.</summary>
public sealed class SignedChangeReplayTests
{
    [Fact]
    public async Task A_pairing_window_cannot_be_reopened_by_replaying_the_request_that_opened_it()
    {
        await using var api = await ApiBroker.StartAsync();
        var open = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"));
        (await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, open)).AssertOk();
        (await api.AllGroups.PostAsync(AdminPaths.PairingClose, PairingApiTests.Group("GID_sensors"))).AssertOk();

        var replayed = await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, open);

        replayed.AssertRefused(HttpStatusCode.Forbidden, 7);
        Assert.Contains("accepted once already", replayed.Message);
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task A_replay_with_its_parameters_moved_into_the_query_string_is_still_a_replay()
    {
        await using var api = await ApiBroker.StartAsync();
        var open = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"));
        (await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, open)).AssertOk();

        var replayed = await api.AllGroups.SendAsync(HttpMethod.Post, AdminPaths.PairingOpen + "?" + SignedApiClient.Query(open));

        replayed.AssertRefused(HttpStatusCode.Forbidden, 7);
    }

    [Fact]
    public async Task The_same_change_signed_in_the_same_millisecond_with_another_nonce_is_a_request_of_its_own()
    {
        await using var api = await ApiBroker.StartAsync();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var first = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"), timestamp);
        var second = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"), timestamp);

        first.AssertOk();
        second.AssertOk();
    }

    [Fact]
    public async Task A_signed_listing_may_be_asked_again()
    {
        await using var api = await ApiBroker.StartAsync();
        var list = api.AllGroups.Signed("GET", AdminPaths.Pairing);

        (await api.AllGroups.SendAsync(AdminPaths.Pairing, list)).AssertOk();
        (await api.AllGroups.SendAsync(AdminPaths.Pairing, list)).AssertOk();
    }

    [Fact]
    public async Task Beyond_the_remembered_signatures_changes_wait_until_the_oldest_leaves_the_window()
    {
        await using var api = await ApiBroker.StartAsync(more: new Dictionary<string, string?> { ["EdgeBroker:MaxRememberedSignatures"] = "1" });

        // Signed almost five minutes ago: still accepted, and remembered for the three seconds its timestamp has left.
        var old = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"),
            DateTimeOffset.UtcNow.AddMinutes(-5).AddSeconds(3).ToUnixTimeMilliseconds());
        (await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, old)).AssertOk();

        var full = await api.AllGroups.PostAsync(AdminPaths.PairingClose, PairingApiTests.Group("GID_sensors"));
        full.AssertRefused(HttpStatusCode.ServiceUnavailable, 8);
        Assert.Contains("Try again in", full.Message);
        Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());

        await Eventually.WaitUntilAsync(
            async () => (await api.AllGroups.PostAsync(AdminPaths.PairingClose, PairingApiTests.Group("GID_sensors"))).Code != 8,
            () => "the oldest signature was never forgotten", TimeSpan.FromSeconds(10));
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
        (await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, old)).AssertRefused(HttpStatusCode.Forbidden, 4);
    }
}
