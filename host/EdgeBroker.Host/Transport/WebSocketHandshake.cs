using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// The server's side of a WebSocket opening handshake (RFC 6455 §4.2) for MQTT over WebSocket (MQTT 5 and 3.1.1 §6):
/// reads the client's HTTP upgrade request, answers <c>101 Switching Protocols</c> with the subprotocol <c>mqtt</c>
/// (or <c>mqttv3.1</c>, which MQTT 3.1 clients and MQTT.js for protocol id MQIsdp offer instead), or refuses with an
/// HTTP status and a one-line reason the caller reports. Nothing else is served on the port: a browser or a probe that
/// asks for a page is told where MQTT over WebSocket is and closed. Of what browsers add, only <c>Origin</c> is read
/// (against <see cref="WebSocketOrigins"/>); cookies and the compression extension they offer are ignored.
/// </summary>
static class WebSocketHandshake
{
    /// <summary>The most an upgrade request may take: Node's limit for a request's headers. Browsers send under 1 KB
    /// of their own, and then every cookie they hold for the broker's host name — whatever port set it, so on a
    /// developer's localhost those of every other web app there — which is what outgrew 8 KB (VerneMQ's 431s with big
    /// cookies: vernemq/vernemq#2267; ttyd, tsl0922/ttyd#163).</summary>
    public const int MaxRequestBytes = 16384;

    /// <summary>The subprotocols accepted, in the order they are preferred when a client offers several.</summary>
    static readonly string[] Subprotocols = ["mqtt", "mqttv3.1"];

    /// <summary>RFC 6455 §1.3: appended to the client's key before hashing, proving the server read the handshake.</summary>
    const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Reads the upgrade request from <paramref name="stream"/> and answers it. Null once the connection speaks
    /// WebSocket (the 101 written); otherwise why it was refused (the refusal written, the caller closes and reports).
    /// Throws as the stream does when the connection is lost or <paramref name="cancellationToken"/> ends the wait.</summary>
    /// <param name="path">The only path served, e.g. <c>/mqtt</c>; a query string is ignored.</param>
    /// <param name="origins">The sites whose pages may connect.</param>
    public static async Task<string?> AcceptAsync(Stream stream, string path, WebSocketOrigins origins, CancellationToken cancellationToken)
    {
        // Waits holding no buffer, as an idle MQTT connection does.
        await stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxRequestBytes);
        try
        {
            var length = 0;
            var end = -1;
            while (end < 0)
            {
                if (length == MaxRequestBytes)
                {
                    return await RefuseAsync(stream, 431, "Request Header Fields Too Large",
                        $"an upgrade request longer than {MaxRequestBytes} bytes", cancellationToken).ConfigureAwait(false);
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, MaxRequestBytes - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException("closed during the WebSocket handshake");
                }

                if (buffer[0] is < (byte)'A' or > (byte)'Z')
                {
                    // Not an HTTP method (an MQTT CONNECT starts with 0x10): refused now, not at the deadline.
                    return await RefuseAsync(stream, 400, "Bad Request", "not an HTTP request (MQTT sent to the WebSocket port?)", cancellationToken)
                        .ConfigureAwait(false);
                }

                // Only the new bytes (and the three before them) can complete the blank line ending the header.
                var from = Math.Max(0, length - 3);
                length += read;
                var found = buffer.AsSpan(from, length - from).IndexOf("\r\n\r\n"u8);
                end = found < 0 ? -1 : from + found + 4;
            }

            if (end != length)
            {
                // RFC 6455 §4.1: a client waits for the server's answer before it sends frames, so these bytes were
                // not sent by a WebSocket client (and would be lost if the request were answered).
                return await RefuseAsync(stream, 400, "Bad Request", "data sent before the WebSocket handshake completed", cancellationToken)
                    .ConfigureAwait(false);
            }

            var request = Request.Parse(Encoding.Latin1.GetString(buffer, 0, end));
            var (status, reason, problem, extraHeader) = Check(request, path, origins);
            if (problem is not null)
            {
                return await RefuseAsync(stream, status, reason, problem, cancellationToken, extraHeader).ConfigureAwait(false);
            }

            var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Accept: {AcceptKey(request.Header("sec-websocket-key")!)}\r\n" +
                $"Sec-WebSocket-Protocol: {Chosen(request)}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), cancellationToken).ConfigureAwait(false);
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>RFC 6455 §4.2.2: the base64 SHA-1 of the client's key and the protocol's GUID.</summary>
    static string AcceptKey(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + KeyGuid)));

    /// <summary>What is wrong with <paramref name="request"/> as an upgrade to MQTT over WebSocket at
    /// <paramref name="path"/> from a page of one of <paramref name="origins"/>: the status to answer, its reason phrase,
    /// the problem (null: nothing) and a header the answer carries.</summary>
    static (int Status, string Reason, string? Problem, string? ExtraHeader) Check(Request request, string path, WebSocketOrigins origins)
    {
        if (!request.IsHttp)
        {
            return (400, "Bad Request", "not an HTTP request (MQTT sent to the WebSocket port?)", null);
        }

        if (request.Method != "GET")
        {
            return (405, "Method Not Allowed", $"an HTTP {ClientTextForLog.Of(request.Method)} request, not a WebSocket upgrade", "Allow: GET");
        }

        var requestPath = request.Target.Split('?', 2)[0];
        if (requestPath != path)
        {
            return (404, "Not Found", $"a request for {ClientTextForLog.Of(requestPath)}; MQTT over WebSocket is served at {path}", null);
        }

        if (!request.HasToken("upgrade", "websocket") || !request.HasToken("connection", "upgrade"))
        {
            return (426, "Upgrade Required", "an HTTP request that does not ask for a WebSocket upgrade", "Upgrade: websocket");
        }

        if (request.Header("sec-websocket-version") != "13")
        {
            return (426, "Upgrade Required", $"WebSocket version {ClientTextForLog.Of(request.Header("sec-websocket-version") ?? "(none)")}, not 13",
                "Sec-WebSocket-Version: 13");
        }

        if (!IsKey(request.Header("sec-websocket-key")))
        {
            return (400, "Bad Request", "no valid Sec-WebSocket-Key", null);
        }

        if (Chosen(request) is null)
        {
            var offered = request.Tokens("sec-websocket-protocol");
            return (400, "Bad Request", offered.Count == 0
                ? "no WebSocket subprotocol offered; MQTT clients offer mqtt [MQTT-6.0.0-3]"
                : $"WebSocket subprotocol {ClientTextForLog.Of(string.Join(", ", offered))} offered, not mqtt [MQTT-6.0.0-3]", null);
        }

        if (!origins.Allows(request.Header("origin")))
        {
            return (403, "Forbidden", $"a page of {ClientTextForLog.Of(request.Header("origin")!)}, not one of the sites in WebSocketOrigins", null);
        }

        return (101, "Switching Protocols", null, null);
    }

    /// <summary>The subprotocol answered: <c>mqtt</c> when offered [MQTT-6.0.0-4], else <c>mqttv3.1</c>; null for
    /// neither.</summary>
    static string? Chosen(Request request)
    {
        var offered = request.Tokens("sec-websocket-protocol");
        return Subprotocols.FirstOrDefault(name => offered.Contains(name, StringComparer.Ordinal));
    }

    /// <summary>RFC 6455 §4.1: the key is 16 random bytes in base64.</summary>
    static bool IsKey(string? key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key is not null && Convert.TryFromBase64String(key.Trim(), decoded, out var length) && length == 16;
    }

    static async Task<string> RefuseAsync(Stream stream, int status, string reason, string problem, CancellationToken cancellationToken,
        string? extraHeader = null)
    {
        var body = $"This port serves MQTT over WebSocket only: refused {problem}.\n";
        var response = $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {reason}\r\n" +
            (extraHeader is null ? string.Empty : extraHeader + "\r\n") +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n" + body;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(response), cancellationToken).ConfigureAwait(false);
        return $"WebSocket upgrade refused with HTTP {status.ToString(CultureInfo.InvariantCulture)}: {problem}";
    }

    /// <summary>An HTTP/1.1 request's line and headers (names lower-cased, a repeated header joined with commas).</summary>
    sealed class Request
    {
        readonly Dictionary<string, string> _headers = new(StringComparer.Ordinal);

        public bool IsHttp { get; private init; }

        public string Method { get; private init; } = string.Empty;

        public string Target { get; private init; } = string.Empty;

        public static Request Parse(string text)
        {
            var lines = text.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var request = new Request
            {
                IsHttp = requestLine.Length == 3 && requestLine[2] == "HTTP/1.1" && requestLine[1].StartsWith('/'),
                Method = requestLine[0],
                Target = requestLine.Length > 1 ? requestLine[1] : string.Empty,
            };
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }

                var name = line[..colon].Trim().ToLowerInvariant();
                var value = line[(colon + 1)..].Trim();
                request._headers[name] = request._headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }

            return request;
        }

        public string? Header(string name) => _headers.GetValueOrDefault(name);

        /// <summary>The comma-separated tokens of a header, as sent.</summary>
        public List<string> Tokens(string name) =>
            Header(name)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];

        public bool HasToken(string name, string token) => Tokens(name).Contains(token, StringComparer.OrdinalIgnoreCase);
    }
}
