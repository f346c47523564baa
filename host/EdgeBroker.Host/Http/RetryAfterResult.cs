using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http;

/// <summary>An answer with a <c>Retry-After</c> header (whole seconds, rounded up, so a client that waits that long is
/// not refused again for being a moment early).</summary>
sealed class RetryAfterResult(IResult answer, TimeSpan wait) : IResult
{
    /// <summary><paramref name="wait"/> in whole seconds, rounded up, at least 1.</summary>
    public static long Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = Seconds(wait).ToString(CultureInfo.InvariantCulture);
        return answer.ExecuteAsync(httpContext);
    }
}
