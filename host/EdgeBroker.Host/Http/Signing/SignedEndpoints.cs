using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>Maps an EdgeBroker endpoint at the method and path its signature covers, so the two cannot differ.</summary>
static class SignedEndpoints
{
    public static RouteHandlerBuilder MapSigned(this IEndpointRouteBuilder app, EndpointParameters endpoint, Delegate handler)
    {
        var line = endpoint.RequestLine ?? throw new ArgumentException("Only an endpoint declared with its method and path is mapped by it.");
        return app.MapMethods(line.Path, [line.Method], handler);
    }
}
