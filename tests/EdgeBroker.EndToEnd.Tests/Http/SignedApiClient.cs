using System.Text.Json;
using EdgeBroker.Host.Http.Signing;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>
/// An application calling the HTTP API over real HTTP, signing like the README says (with the broker's own
/// <see cref="RequestSignature"/>, which a test pins to a worked example computed independently).
/// </summary>
public sealed class SignedApiClient(Uri baseAddress, string accessKey, string secret, string instanceId = SignedApiClient.DefaultInstanceId)
    : IDisposable
{
    public const string DefaultInstanceId = "edgebroker";

    readonly HttpClient _http = new() { BaseAddress = baseAddress };

    /// <summary>A GET with <paramref name="parameters"/> plus accessKey, instanceId, timestamp (now, or
    /// <paramref name="timestamp"/>) and the signature of them all.</summary>
    public Task<ApiAnswer> GetAsync(string path, IReadOnlyDictionary<string, string>? parameters = null, long? timestamp = null) =>
        SendAsync(path, Signed(parameters, timestamp));

    /// <summary>The full, signed parameter set of a request, for tests that then break it.</summary>
    public Dictionary<string, string> Signed(IReadOnlyDictionary<string, string>? parameters = null, long? timestamp = null)
    {
        var all = new Dictionary<string, string>(parameters ?? new Dictionary<string, string>())
        {
            ["accessKey"] = accessKey,
            ["instanceId"] = instanceId,
            ["timestamp"] = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ToString(),
        };
        all["signature"] = RequestSignature.Sign(secret, RequestSignature.StringToSign(all));
        return all;
    }

    /// <summary>A GET with exactly these parameters (URL-encoded, in this order).</summary>
    public async Task<ApiAnswer> SendAsync(string path, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var query = string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return await SendAsync(HttpMethod.Get, path + "?" + query);
    }

    public async Task<ApiAnswer> SendAsync(HttpMethod method, string pathAndQuery)
    {
        using var response = await _http.SendAsync(new HttpRequestMessage(method, pathAndQuery));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new ApiAnswer(response.StatusCode, json.RootElement.Clone());
    }

    public void Dispose() => _http.Dispose();
}
