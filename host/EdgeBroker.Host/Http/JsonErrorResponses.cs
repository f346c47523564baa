using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Every answer of the HTTP API is JSON, failures included: an exception becomes code 5 (logged by the middleware,
/// never shown to the caller, whatever the environment), a request Kestrel could not read (a chunked body over
/// <see cref="HttpLimits.MaxRequestBodyBytes"/>) keeps Kestrel's status with code 1, and an empty error status from
/// routing (no such endpoint, wrong method) becomes code 1.
/// </summary>
static class JsonErrorResponses
{
    public static void UseJsonErrorResponses(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<HttpLimits>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => Answer(context, limits).WriteAsync(context),

            // The caller's mistake, answered and logged once per address a minute by HttpLimits, not the broker's failure.
            SuppressDiagnosticsCallback = handled => handled.Exception is BadHttpRequestException,
        });
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

    static ApiError Answer(HttpContext context, HttpLimits limits) => context.Features.Get<IExceptionHandlerFeature>()?.Error switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => limits.BodyTooLarge(context),
        BadHttpRequestException bad => new ApiError(bad.StatusCode, ApiCodes.BadRequest, "The request could not be read: " + bad.Message),
        _ => ApiError.Internal(),
    };
}
