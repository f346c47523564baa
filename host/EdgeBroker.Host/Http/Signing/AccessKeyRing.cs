using EdgeBroker.Host.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>The configured access keys, by ID (case-sensitive, as the signature is).</summary>
sealed class AccessKeyRing(IOptions<BrokerOptions> options)
{
    readonly Dictionary<string, AccessKey> _byId = options.Value.AccessKeys.ToDictionary(
        key => key.Id,
        key => new AccessKey(key.Id, key.Secret, key.CoversAllGroups, key.Groups.ToHashSet(StringComparer.Ordinal)),
        StringComparer.Ordinal);

    public int Count => _byId.Count;

    public AccessKey? Find(string id) => _byId.GetValueOrDefault(id);
}
