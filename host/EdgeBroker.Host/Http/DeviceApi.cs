using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Paired devices: listed (never with their secret, its hash or salt — the pairing message was the only place the
/// secret appeared), renamed, revoked. Revoking refuses the device from then on and disconnects it at once. A key
/// limited to some groups administers only devices of those groups.
/// </summary>
static class DeviceApi
{
    public const string ClientIdParameter = "clientId";
    public const string NameParameter = "name";

    /// <summary>Display names are for lists people read; longer ones are refused rather than cut.</summary>
    public const int MaxNameLength = 64;

    static readonly EndpointParameters ListParameters = new(HttpMethods.Get, "/devices", [], [GroupScope.Parameter]);
    static readonly EndpointParameters RenameParameters = new(HttpMethods.Post, "/devices/rename", [ClientIdParameter, NameParameter], []);
    static readonly EndpointParameters RevokeParameters = new(HttpMethods.Post, "/devices/revoke", [ClientIdParameter], []);

    public static void MapDeviceApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods(ListParameters.Path, ListParameters.Methods, List);
        app.MapMethods(RenameParameters.Path, RenameParameters.Methods, Rename);
        app.MapMethods(RevokeParameters.Path, RevokeParameters.Methods, Revoke);
    }

    /// <summary>Every paired device, revoked ones included (they stay refused until paired again), by client ID.</summary>
    static async Task<IResult> List(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security)
    {
        var (request, error) = await verifier.VerifyListingAsync(http, ListParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        var group = request![GroupScope.Parameter];
        var devices = security.ListDevices()
            .Cast<DeviceRecord>()
            .Where(device => GroupScope.Includes(group, device.Group))
            .OrderBy(device => device.ClientId, StringComparer.Ordinal)
            .Select(device => new
            {
                clientId = device.ClientId,
                name = device.DisplayName,
                group = device.Group,
                pairedAt = device.PairedAtMs,
                revoked = device.Revoked,
            })
            .ToList();
        return Results.Json(new { code = ApiCodes.Ok, success = true, devices, message = $"{devices.Count} paired device(s)." });
    }

    static async Task<IResult> Rename(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security, ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyForGroupAsync(http, RenameParameters, GroupOfDevice);
        if (error is not null)
        {
            return error.ToResult();
        }

        var (clientId, name) = (request![ClientIdParameter]!, request[NameParameter]!);
        if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return ApiError.BadRequest($"name must be at most {MaxNameLength} characters, none of them control characters.").ToResult();
        }

        if (!security.RenameDevice(clientId, name))
        {
            return NotPaired(clientId).ToResult();
        }

        logs.CreateLogger(typeof(DeviceApi)).LogInformation(LogEvents.AdminAction, "Device {ClientId} renamed to {Name} by access key {AccessKey}",
            ClientTextForLog.Of(clientId), name, request.AccessKey.Id);
        return Results.Json(new { code = ApiCodes.Ok, success = true, clientId, name, message = $"{clientId} is now called {name}." });
    }

    static async Task<IResult> Revoke(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security,
        RevocationSignal revocations, ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyForGroupAsync(http, RevokeParameters, GroupOfDevice);
        if (error is not null)
        {
            return error.ToResult();
        }

        var clientId = request![ClientIdParameter]!;
        if (!security.RevokeDevice(clientId))
        {
            return NotPaired(clientId).ToResult();
        }

        revocations.Raise();
        logs.CreateLogger(typeof(DeviceApi)).LogInformation(LogEvents.AdminAction, "Device {ClientId} revoked by access key {AccessKey}", ClientTextForLog.Of(clientId),
            request.AccessKey.Id);
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            clientId,
            message = $"{clientId} is revoked: disconnected now and refused from now on (pair it again to readmit it).",
        });
    }

    static string GroupOfDevice(SignedRequest request) => ClientIdentity.GroupOf(request[ClientIdParameter]!);

    static ApiError NotPaired(string clientId) => ApiError.NotFound($"No device {clientId} has been paired.");
}
