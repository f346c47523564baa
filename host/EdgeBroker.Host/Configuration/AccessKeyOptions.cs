namespace EdgeBroker.Host.Configuration;

/// <summary>One access key of the HTTP API (section EdgeBroker:AccessKeys:N, or --access-key ID:SECRET): requests name it
/// and are signed with its secret.</summary>
public sealed class AccessKeyOptions
{
    /// <summary>Group that stands for every group.</summary>
    public const string AllGroups = "*";

    public string Id { get; set; } = string.Empty;

    public string Secret { get; set; } = string.Empty;

    /// <summary>Groups whose clients the key may query; empty or "*" means all.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>No group named, or "*": the key serves every group.</summary>
    public bool CoversAllGroups => Groups.Count == 0 || Groups.Contains(AllGroups);
}
