using System.Net;
using System.Text.Json;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>One HTTP API answer: status, JSON body, and the Retry-After header when there was one.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, JsonElement Body, TimeSpan? RetryAfter = null)
{
    public int Code => Body.GetProperty("code").GetInt32();

    public bool Success => Body.GetProperty("success").GetBoolean();

    public string Message => Body.GetProperty("message").GetString()!;

    public int Int(string property) => Body.GetProperty(property).GetInt32();

    /// <summary>Asserts a refusal: its HTTP status and API code, success false.</summary>
    public void AssertRefused(HttpStatusCode status, int code)
    {
        Assert.True(Status == status && Code == code, $"expected HTTP {(int)status} code {code}, got HTTP {(int)Status}: {Body}");
        Assert.False(Success);
    }

    public void AssertOk()
    {
        Assert.True(Status == HttpStatusCode.OK && Code == 0, $"expected success, got HTTP {(int)Status}: {Body}");
        Assert.True(Success);
    }

    public override string ToString() => $"HTTP {(int)Status} {Body}";
}
