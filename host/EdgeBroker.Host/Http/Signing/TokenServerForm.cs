using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// ApsaraMQ's token-server request, which <c>POST /token/apply</c> takes as an application server sends it
/// (https://www.alibabacloud.com/help/doc-detail/54276.htm; signing rules https://www.alibabacloud.com/help/doc-detail/54274.htm):
/// <c>actions, resources, expireTime, serviceName=mq, instanceId</c> signed — sorted <c>name=value</c> pairs joined with
/// <c>&amp;</c>, HMAC-SHA1 with the AccessKey secret, Base64, as <see cref="RequestSignature"/> signs — and
/// <c>proxyType=MQTT</c> and <c>accessKey</c> added after signing, as ApsaraMQ's samples do. It has no timestamp or
/// nonce, so <see cref="SignedRequestVerifier"/> cannot refuse a replay of it: the endpoint bounds what a replay can do.
/// A request is in this form when it names <c>serviceName</c> and no <c>timestamp</c>; any other is the signed-request
/// form every endpoint takes.
/// </summary>
static class TokenServerForm
{
    public const string ServiceNameParameter = "serviceName";
    public const string ProxyTypeParameter = "proxyType";

    /// <summary>The only <c>serviceName</c> ApsaraMQ takes ("other values are invalid").</summary>
    public const string ServiceName = "mq";

    /// <summary>The <c>proxyType</c> of a token for MQTT.</summary>
    public const string ProxyType = "MQTT";

    /// <summary>The parameters every request in this form carries (<c>proxyType</c> may be left out).</summary>
    public static readonly IReadOnlyList<string> CommonParameters =
        [SignedRequestVerifier.AccessKeyParameter, SignedRequestVerifier.InstanceIdParameter, ServiceNameParameter, RequestSignature.ParameterName];

    /// <summary>Sent, and left out of the string to sign (with <c>signature</c> itself).</summary>
    public static readonly IReadOnlyList<string> UnsignedParameters = [SignedRequestVerifier.AccessKeyParameter, ProxyTypeParameter];

    public static bool IsUsedBy(IQueryCollection query) =>
        query.ContainsKey(ServiceNameParameter) && !query.ContainsKey(SignedRequestVerifier.TimestampParameter);

    /// <summary>Whether a request in this form to <paramref name="endpoint"/> may carry <paramref name="name"/>: no
    /// <c>timestamp</c> or <c>nonce</c>.</summary>
    public static bool Allows(EndpointParameters endpoint, string name) =>
        CommonParameters.Contains(name) || name == ProxyTypeParameter || endpoint.Required.Contains(name) || endpoint.Optional.Contains(name);
}
