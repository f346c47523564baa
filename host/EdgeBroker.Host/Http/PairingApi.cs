using System.Globalization;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Pairing windows: while a group's window is open, a new device of that group connecting with user name
/// <c>Pair|{group}</c> is admitted once and sent its own credentials (the exchange is the core's, see its Security
/// README). Opened for a limited time, closed early, listed. A key limited to some groups administers only those.
/// </summary>
static class PairingApi
{
    public const string SecondsParameter = "seconds";

    /// <summary>How many devices the window pairs; unset: <see cref="SecurityOptions.PairingDevicesPerWindow"/>.</summary>
    public const string DevicesParameter = "devices";

    /// <summary>The longest window one request opens: pairing is meant to be a short, attended moment.</summary>
    public const int MaxSeconds = 3600;

    static readonly EndpointParameters OpenParameters = new(HttpMethods.Post, "/pairing/open", [GroupScope.Parameter], [SecondsParameter, DevicesParameter]);
    static readonly EndpointParameters CloseParameters = new(HttpMethods.Post, "/pairing/close", [GroupScope.Parameter], []);
    static readonly EndpointParameters ListParameters = new(HttpMethods.Get, "/pairing", [], [GroupScope.Parameter]);

    public static void MapPairingApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods(OpenParameters.Path, OpenParameters.Methods, Open);
        app.MapMethods(CloseParameters.Path, CloseParameters.Methods, Close);
        app.MapMethods(ListParameters.Path, ListParameters.Methods, List);
    }

    /// <summary>Opens the group's window, or restarts it (with a fresh admission list) when it is open already.</summary>
    static async Task<IResult> Open(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security, TimeProvider clock,
        ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyForGroupAsync(http, OpenParameters, GroupOf);
        if (error is not null)
        {
            return error.ToResult();
        }

        var seconds = 0;
        if (request![SecondsParameter] is { } text
            && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds is >= 1 and <= MaxSeconds))
        {
            return ApiError.BadRequest($"seconds must be a number from 1 to {MaxSeconds}.").ToResult();
        }

        var devices = 0;
        var maxDevices = security.Options.MaxPairedDevices;
        if (request[DevicesParameter] is { } count
            && !(int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out devices) && devices >= 1 && devices <= maxDevices))
        {
            return ApiError.BadRequest($"devices must be a number from 1 to {maxDevices} (Security:MaxPairedDevices).").ToResult();
        }

        var group = GroupOf(request);
        var window = security.OpenPairing(group, seconds, devices, clock.GetUtcNow().ToUnixTimeMilliseconds(), Clock.MonotonicMs());
        if (window is null)
        {
            return ApiError.BadRequest("group must be one topic level (no '/', no wildcards, not starting with '$'): " +
                "it is the parent topic of the message that carries a device's credentials.").ToResult();
        }

        var opened = window.Seconds;
        logs.CreateLogger(typeof(PairingApi)).LogInformation(LogEvents.AdminAction, "Pairing window of group {Group} opened for {Seconds} s and {Devices} device(s) by access key {AccessKey}",
            group, opened, window.Devices, request.AccessKey.Id);
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            group,
            openedAt = window.OpenedAtMs,
            expiresAt = window.ExpiresAtMs,
            seconds = opened,
            devices = window.Devices,
            message = $"Pairing window of {group} open for {opened} s and {window.Devices} device(s): a new device connects with client ID " +
                $"{group}@@@{{deviceId}} and user name Pair|{group} and receives its credentials.",
        });
    }

    static async Task<IResult> Close(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security, ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyForGroupAsync(http, CloseParameters, GroupOf);
        if (error is not null)
        {
            return error.ToResult();
        }

        var group = GroupOf(request!);
        if (!security.ClosePairing(group))
        {
            return ApiError.NotFound($"No pairing window of {group} is open.").ToResult();
        }

        logs.CreateLogger(typeof(PairingApi)).LogInformation(LogEvents.AdminAction, "Pairing window of group {Group} closed by access key {AccessKey}",
            group, request!.AccessKey.Id);
        return Results.Json(new { code = ApiCodes.Ok, success = true, group, message = $"Pairing window of {group} closed." });
    }

    /// <summary>The windows open now, soonest to close first.</summary>
    static async Task<IResult> List(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security)
    {
        var (request, error) = await verifier.VerifyListingAsync(http, ListParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        var group = request![GroupScope.Parameter];
        var windows = security.OpenPairingWindows(Clock.MonotonicMs())
            .Cast<PairingWindow>()
            .Where(window => GroupScope.Includes(group, window.Group))
            .OrderBy(window => window.ExpiresAtMs)
            .Select(window => new { group = window.Group, openedAt = window.OpenedAtMs, expiresAt = window.ExpiresAtMs, devices = window.Devices, paired = window.Admitted.Count })
            .ToList();
        return Results.Json(new { code = ApiCodes.Ok, success = true, windows, message = $"{windows.Count} pairing window(s) open." });
    }

    static string GroupOf(SignedRequest request) => request[GroupScope.Parameter]!;
}
