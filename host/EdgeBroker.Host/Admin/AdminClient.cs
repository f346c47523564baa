using System.Text.Json;
using EdgeBroker.Host.Http.Signing;

namespace EdgeBroker.Host.Admin;

/// <summary>
/// The administration commands' way to the running broker: its HTTP API, signed like any other caller signs
/// (<see cref="RequestSignature"/>). GET parameters go in the query string, POST parameters in a form body.
/// </summary>
sealed class AdminClient(Uri baseAddress, string accessKeyId, string secret, string instanceId) : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = Timeout };

    /// <summary>The API's JSON answer, whatever its HTTP status (refusals are JSON too). Throws
    /// <see cref="HttpRequestException"/> when the broker cannot be reached, and <see cref="JsonException"/> when what
    /// answered is not the API. Each call is signed anew (timestamp and nonce), so no two calls send the same signed
    /// request, which the broker would refuse the second time for a change.</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, IReadOnlyDictionary<string, string> parameters,
        CancellationToken cancellationToken)
    {
        var signed = RequestSignature.SignedParameters(accessKeyId, secret, instanceId,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), method.Method, path, parameters);
        using var request = method == HttpMethod.Get
            ? new HttpRequestMessage(method, path + "?" + string.Join('&',
                signed.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))))
            : new HttpRequestMessage(method, path) { Content = new FormUrlEncodedContent(signed) };
        using var response = await _http.SendAsync(request, cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.Clone();
    }

    public void Dispose() => _http.Dispose();
}
