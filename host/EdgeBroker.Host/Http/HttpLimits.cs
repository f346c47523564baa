using System.Net;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Mqtt;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http;

/// <summary>
/// What the HTTP port may cost, whoever calls it: every request is read before its signature can be checked, so the
/// bounds hold for unauthenticated callers too. A request body is at most <see cref="MaxRequestBodyBytes"/> (a larger
/// one is answered 413 before it is read, or as soon as a chunked one passes the limit), forms hold at most
/// <see cref="MaxFormValues"/> values, at most <see cref="BrokerOptions.HttpMaxConnections"/> connections are open
/// at once, at most <see cref="BrokerOptions.HttpMaxConnectionsPerAddress"/> from one address, with places kept for
/// loopback (<see cref="HttpConnectionSlots"/>; a further one is closed before its TLS handshake), and a connection that
/// sends no complete request headers within <see cref="RequestHeadersTimeout"/>, or stays idle between requests for
/// <see cref="KeepAliveTimeout"/>, is closed. Each refusal is logged once per address a minute.
/// </summary>
sealed class HttpLimits(IOptions<BrokerOptions> options, ILogger<HttpLimits> logger)
{
    /// <summary>The largest request body read. The API's parameters are an access key, an instance ID, a timestamp, a
    /// signature and at most three more, the longest a token's comma-separated resources (parent topics): a few hundred
    /// bytes in practice, and twice Kestrel's 8 KB request line, which bounds the same parameters sent in a query
    /// string. Kestrel's default, 30 MB, let twelve unauthenticated forms take 800 MB.</summary>
    public const int MaxRequestBodyBytes = 16 * 1024;

    /// <summary>Form values read at most: every endpoint takes at most eight parameters; more is refused as an
    /// unreadable form (400), as a repeated parameter would be.</summary>
    public const int MaxFormValues = 32;

    /// <summary>How long a connection may take to send a request's headers, from when it opens or its last request
    /// ended; Kestrel's default is 30 s. A caller's headers take milliseconds; a socket that trickles them holds a place
    /// for at most this long.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may stay idle between requests; Kestrel's default is 130 s. A browser that comes
    /// back later opens a new one; until then the place is free for others.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    readonly ConnectionProblems _problems = new(logger, options.Value.Connections.MaxTrackedSources);
    readonly HttpConnectionSlots _slots = new(options.Value.HttpMaxConnections, options.Value.HttpMaxConnectionsPerAddress);

    /// <summary>Kestrel's own bounds: every request body, for bodies sent in chunks (no Content-Length), and how long
    /// a connection may hold a place without a request in progress. (A body is also held to Kestrel's minimum data rate,
    /// 240 bytes/s after 5 s, by default.)</summary>
    public static void Apply(KestrelServerLimits limits)
    {
        limits.MaxRequestBodySize = MaxRequestBodyBytes;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.KeepAliveTimeout = KeepAliveTimeout;
    }

    /// <summary>The form reader's bounds, within the body's: no value, key or multipart section may be larger than
    /// the body, and a form whose values exceed the limit is unreadable (400).</summary>
    public static void Apply(FormOptions form)
    {
        form.ValueCountLimit = MaxFormValues;
        form.ValueLengthLimit = MaxRequestBodyBytes;
        form.KeyLengthLimit = MaxRequestBodyBytes;
        form.MultipartBodyLengthLimit = MaxRequestBodyBytes;
        form.MultipartHeadersLengthLimit = MaxRequestBodyBytes;
        form.BufferBodyLengthLimit = MaxRequestBodyBytes;
    }

    /// <summary>Kestrel connection middleware: closes a connection beyond the places <see cref="HttpConnectionSlots"/>
    /// gives at once, without an answer (as Kestrel's own limit would, but logged once per address a minute rather than
    /// a warning per connection).</summary>
    public ConnectionDelegate LimitConnections(ConnectionDelegate next)
    {
        if (options.Value.HttpMaxConnections == 0 && options.Value.HttpMaxConnectionsPerAddress == 0)
        {
            return next;
        }

        return async connection =>
        {
            var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
            if (_slots.TryTake(address) is { } refusal)
            {
                _problems.Report(SourceAddress.Of(connection.RemoteEndPoint), refusal);
                return;
            }

            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release(address);
            }
        };
    }

    /// <summary>Request middleware: a body announced larger than <see cref="MaxRequestBodyBytes"/> is answered 413
    /// without reading a byte of it (Kestrel then closes the connection rather than drain it).</summary>
    public Task RefuseLargeBodiesAsync(HttpContext context, RequestDelegate next) =>
        context.Request.ContentLength > MaxRequestBodyBytes ? BodyTooLarge(context).WriteAsync(context) : next(context);

    /// <summary>The answer to a request whose body is over the limit, logged once per address a minute.</summary>
    public ApiError BodyTooLarge(HttpContext context)
    {
        _problems.Report(SourceAddress.Of(context.Connection.RemoteIpAddress),
            $"an HTTP request body above {MaxRequestBodyBytes} bytes to {ClientTextForLog.Of(context.Request.Path.ToString())} (answered 413)");
        return ApiError.BodyTooLarge(MaxRequestBodyBytes);
    }
}
