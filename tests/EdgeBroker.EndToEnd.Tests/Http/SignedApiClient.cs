using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeBroker.Host.Http.Signing;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>
/// An application calling the HTTP API over real HTTP, signing like the README says (with the broker's own
/// <see cref="RequestSignature"/>, which a test pins to a worked example computed independently).
/// </summary>
/// <param name="from">The address to connect from (another loopback address such as 127.0.0.2 is another client
/// machine as far as the broker can tell); null for the system's choice.</param>
public sealed class SignedApiClient(Uri baseAddress, string accessKey, string secret, string instanceId = SignedApiClient.DefaultInstanceId,
    IPAddress? from = null) : IDisposable
{
    public const string DefaultInstanceId = "edgebroker";

    readonly HttpClient _http = new(From(from)) { BaseAddress = baseAddress };

    /// <summary>A GET with <paramref name="parameters"/> plus accessKey, instanceId, timestamp (now, or
    /// <paramref name="timestamp"/>), a fresh nonce and the signature of them all (and of the method and path, unless
    /// the path is one of ApsaraMQ's endpoints).</summary>
    public Task<ApiAnswer> GetAsync(string path, IReadOnlyDictionary<string, string>? parameters = null, long? timestamp = null) =>
        SendAsync(path, Signed("GET", path, parameters, timestamp));

    /// <summary>A POST with <paramref name="parameters"/> plus the signed-request parameters, all in a form body; signed
    /// anew for each call, so calling it twice makes two requests, never one and its replay.</summary>
    public Task<ApiAnswer> PostAsync(string path, IReadOnlyDictionary<string, string>? parameters = null, long? timestamp = null) =>
        PostFormAsync(path, Signed("POST", path, parameters, timestamp));

    /// <summary>The full, signed parameter set of a <paramref name="method"/> request to <paramref name="path"/> (a
    /// fresh nonce in each), for tests that then break it or send it elsewhere.</summary>
    public Dictionary<string, string> Signed(string method, string path, IReadOnlyDictionary<string, string>? parameters = null,
        long? timestamp = null) =>
        RequestSignature.SignedParameters(accessKey, secret, instanceId, timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            method, path, parameters ?? new Dictionary<string, string>());

    /// <summary>A GET with exactly these parameters (URL-encoded, in this order).</summary>
    public Task<ApiAnswer> SendAsync(string path, IEnumerable<KeyValuePair<string, string>> parameters) =>
        SendAsync(HttpMethod.Get, path + "?" + Query(parameters));

    /// <summary>A query string of exactly these parameters, URL-encoded, in this order.</summary>
    public static string Query(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    /// <summary>A POST with exactly these parameters as an application/x-www-form-urlencoded body.</summary>
    public Task<ApiAnswer> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> parameters) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(parameters) });

    public Task<ApiAnswer> SendAsync(HttpMethod method, string pathAndQuery) => SendAsync(new HttpRequestMessage(method, pathAndQuery));

    public async Task<ApiAnswer> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new ApiAnswer(response.StatusCode, json.RootElement.Clone(), response.Headers.RetryAfter?.Delta);
    }

    public void Dispose() => _http.Dispose();

    static SocketsHttpHandler From(IPAddress? from) => new()
    {
        ConnectCallback = from is null ? null : async (context, cancellationToken) =>
        {
            var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(from, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
