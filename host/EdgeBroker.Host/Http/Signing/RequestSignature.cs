using System.Security.Cryptography;
using System.Text;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// How HTTP API requests are signed: every query parameter except <c>signature</c>, as <c>name=value</c> with the value
/// as meant (before URL-encoding), sorted ordinally and joined with <c>&amp;</c>; for EdgeBroker's own endpoints that
/// string is preceded by the method and the path, each followed by a newline (<c>POST\n/pairing/open\naccessKey=…</c>,
/// <see cref="RequestLine"/>), ApsaraMQ's endpoints sign the parameters alone; HMAC-SHA1 of that string (UTF-8) with
/// the access key's secret (UTF-8) as the key; the digest in Base64. The scheme of the cloud MQTT services whose clients
/// EdgeBroker serves, hence SHA-1: as an HMAC it is still sound.
/// </summary>
public static class RequestSignature
{
    public const string ParameterName = "signature";

    public static string StringToSign(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters
            .Where(parameter => parameter.Key != ParameterName)
            .Select(parameter => parameter.Key + "=" + parameter.Value)
            .Order(StringComparer.Ordinal));

    /// <summary>The string a request to an endpoint signs: <paramref name="requestLine"/>'s method and path, each
    /// followed by a newline, then the parameters (<see cref="StringToSign(IEnumerable{KeyValuePair{string, string}})"/>);
    /// the parameters alone when there is no request line (ApsaraMQ's endpoints).</summary>
    public static string StringToSign(RequestLine? requestLine, IEnumerable<KeyValuePair<string, string>> parameters) =>
        requestLine is null
            ? StringToSign(parameters)
            : requestLine.Method + "\n" + requestLine.Path + "\n" + StringToSign(parameters);

    public static string Sign(string secret, string stringToSign) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>What a caller of the API sends for a <paramref name="method"/> request to <paramref name="path"/>
    /// (which the signature covers unless it is one of ApsaraMQ's endpoints, <see cref="RequestLine.SignedBy"/>):
    /// <paramref name="parameters"/> plus the access key, instance and
    /// timestamp every signed request carries, a fresh random nonce, and the signature of them all. The nonce makes each
    /// call one request of its own: the broker accepts a change once (<see cref="UsedSignatures"/>), and two calls with
    /// the same parameters in the same millisecond would otherwise be one request and its replay.</summary>
    public static Dictionary<string, string> SignedParameters(string accessKeyId, string secret, string instanceId, long timestampMs,
        string method, string path, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            [SignedRequestVerifier.AccessKeyParameter] = accessKeyId,
            [SignedRequestVerifier.InstanceIdParameter] = instanceId,
            [SignedRequestVerifier.TimestampParameter] = timestampMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SignedRequestVerifier.NonceParameter] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        };
        all[ParameterName] = Sign(secret, StringToSign(RequestLine.SignedBy(method, path), all));
        return all;
    }
}
