namespace EdgeBroker.Host.Http.Signing;

/// <summary>An access key as requests are checked against it: its secret, and the client groups it may see.</summary>
sealed class AccessKey(string id, string secret, bool seesAllGroups, IReadOnlyCollection<string> groups)
{
    public string Id { get; } = id;

    public string Secret { get; } = secret;

    public bool SeesAllGroups { get; } = seesAllGroups;

    public IReadOnlyCollection<string> Groups { get; } = groups;

    public bool MaySee(string groupId) => SeesAllGroups || Groups.Contains(groupId);
}
