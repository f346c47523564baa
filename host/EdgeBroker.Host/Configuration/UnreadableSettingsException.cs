namespace EdgeBroker.Host.Configuration;

/// <summary>The settings hold keys that name no setting, or values that cannot be converted to their setting's type
/// (<see cref="UnknownSettings"/>): the host is not built from them. Each problem names its key, where it was set and
/// what it should be.</summary>
public sealed class UnreadableSettingsException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
