using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Every answer of the HTTP API is JSON, failures included: an exception becomes code 5 (logged by the middleware,
/// never shown to the caller, whatever the environment), and an empty error status from routing (no such endpoint,
/// wrong method) becomes code 1.
/// </summary>
static class JsonErrorResponses
{
    public static void UseJsonErrorResponses(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = context => ApiError.Internal().WriteAsync(context) });
        app.UseStatusCodePages(status =>
        {
            var context = status.HttpContext;
            var request = context.Request;
            var message = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"There is no endpoint {request.Path}; see docs/presence.md and docs/security.md for the HTTP API.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not answer {request.Method}; use {context.Response.Headers.Allow}.",
                var other => $"The request could not be handled (HTTP {other}).",
            };
            return new ApiError(context.Response.StatusCode, ApiCodes.BadRequest, message).WriteAsync(context);
        });
    }
}
