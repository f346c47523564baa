using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http;

/// <summary>Which groups a signed request may see or administer: every group, or only those configured for its access
/// key. One rule for every endpoint that names a group or lists what is in groups.</summary>
static class GroupScope
{
    /// <summary>The optional parameter of listings that narrows them to one group.</summary>
    public const string Parameter = "group";

    /// <summary>Null when the request's key may see or administer <paramref name="groupId"/>.</summary>
    public static ApiError? Permit(SignedRequest request, string groupId) =>
        request.AccessKey.MaySee(groupId) ? null : ApiError.NotPermitted(request.AccessKey, groupId);

    /// <summary>Null when the request may list what its optional <see cref="Parameter"/> names: a key limited to some
    /// groups must name one of them; a key that sees every group may leave it out to list all.</summary>
    public static ApiError? PermitListing(SignedRequest request)
    {
        var group = request[Parameter];
        if (group is not null)
        {
            return Permit(request, group);
        }

        return request.AccessKey.SeesAllGroups ? null : ApiError.NotPermitted(request.AccessKey, null);
    }

    /// <summary>Verifies the request, then that its key may administer the group <paramref name="groupOf"/> reads from
    /// its parameters — before anything is looked up, so a key cannot learn what exists in other groups.</summary>
    public static async Task<(SignedRequest? Request, ApiError? Error)> VerifyForGroupAsync(this SignedRequestVerifier verifier,
        HttpRequest http, EndpointParameters endpoint, Func<SignedRequest, string> groupOf)
    {
        var (request, error) = await verifier.VerifyAsync(http, endpoint);
        error ??= Permit(request!, groupOf(request!));
        return error is null ? (request, null) : (null, error);
    }

    /// <summary>Verifies a listing request, then its optional <see cref="Parameter"/> (<see cref="PermitListing"/>).</summary>
    public static async Task<(SignedRequest? Request, ApiError? Error)> VerifyListingAsync(this SignedRequestVerifier verifier,
        HttpRequest http, EndpointParameters endpoint)
    {
        var (request, error) = await verifier.VerifyAsync(http, endpoint);
        error ??= PermitListing(request!);
        return error is null ? (request, null) : (null, error);
    }

    /// <summary>Whether an entry of <paramref name="groupId"/> belongs in a listing narrowed to
    /// <paramref name="listedGroup"/> (null: every group).</summary>
    public static bool Includes(string? listedGroup, string groupId) => listedGroup is null || listedGroup == groupId;
}
