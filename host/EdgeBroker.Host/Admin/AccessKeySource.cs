using EdgeBroker.Host.Configuration;

namespace EdgeBroker.Host.Admin;

/// <summary>
/// Where the administration commands take the access key that signs their requests, as <c>ID:SECRET</c>: the
/// <see cref="Variable"/> environment variable or the first key of an <c>--access-key-file</c> (<see cref="AccessKeyFile"/>,
/// the broker's format) — both out of sight of
/// other users of the machine — or the <c>--access-key</c> flag, which is not: a command line is visible to every user
/// (<c>ps</c>, <c>/proc/PID/cmdline</c>), so the flag is for tests and throwaway brokers on a machine of one's own.
/// </summary>
static class AccessKeySource
{
    public const string Variable = "EDGEBROKER_ACCESS_KEY";

    /// <summary>The key from the flag's value, the file, or the environment variable (in that order, the first given),
    /// with where it came from — for a refusal to name what the user gave, not a flag they did not use —, or why there
    /// is none.</summary>
    public static ((string Id, string Secret)? Key, string Origin, string? Problem) Read(string? flag, FileInfo? file)
    {
        if (flag is not null)
        {
            return (AccessKeyFlag.Parse(flag), "--access-key", null);
        }

        if (file is not null)
        {
            // The broker's own file format: a file the broker was started with signs with its first key.
            var (keys, problem) = AccessKeyFile.Read(file);
            var origin = $"the first key in --access-key-file {file}";
            return problem is null ? (keys[0], origin, null) : (null, origin, problem);
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value)
        {
            return AccessKeyFlag.Parse(value) is { } key
                ? (key, Variable, null)
                : (null, Variable, $"{Variable} must be the access key as ID:SECRET with neither part empty.");
        }

        return (null, Variable, $"Give the access key that signs the request: {Variable}=ID:SECRET in the environment, or " +
            "--access-key-file FILE (ID:SECRET on its first line, the file readable by you only). --access-key ID:SECRET works " +
            "too, but puts the secret on the command line, where every user of the machine can read it.");
    }
}
