using System.Security.Cryptography;
using System.Text;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// How HTTP API requests are signed: every query parameter except <c>signature</c>, as <c>name=value</c> with the value
/// as meant (before URL-encoding), sorted ordinally and joined with <c>&amp;</c>; HMAC-SHA1 of that string (UTF-8) with
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

    public static string Sign(string secret, string stringToSign) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>What a caller of the API sends: <paramref name="parameters"/> plus the access key, instance and
    /// timestamp every signed request carries, a fresh random nonce, and the signature of them all. The nonce makes each
    /// call one request of its own: the broker accepts a change once (<see cref="UsedSignatures"/>), and two calls with
    /// the same parameters in the same millisecond would otherwise be one request and its replay.</summary>
    public static Dictionary<string, string> SignedParameters(string accessKeyId, string secret, string instanceId, long timestampMs,
        IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal)
        {
            [SignedRequestVerifier.AccessKeyParameter] = accessKeyId,
            [SignedRequestVerifier.InstanceIdParameter] = instanceId,
            [SignedRequestVerifier.TimestampParameter] = timestampMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SignedRequestVerifier.NonceParameter] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        };
        all[ParameterName] = Sign(secret, StringToSign(all));
        return all;
    }
}
