using System.CommandLine.Parsing;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// A <c>--access-key-file</c>: access keys as <c>ID:SECRET</c>, one a line (blank lines skipped), each read by
/// <see cref="AccessKeyFlag.Parse"/>. A file readable by its owner only keeps the secret out of sight of the machine's
/// other users, where <c>--access-key ID:SECRET</c> shows it to all of them (<c>ps</c>, <c>/proc/PID/cmdline</c>). The broker
/// takes every key of every file it is given; an administration command signs with the first key of its file.
/// </summary>
static class AccessKeyFile
{
    /// <summary>The keys in <paramref name="file"/>, or why it gives none. A problem names the file and the line, never
    /// what the line holds.</summary>
    public static (List<(string Id, string Secret)> Keys, string? Problem) Read(FileInfo file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], $"--access-key-file {file.FullName} cannot be read: {e.Message}");
        }

        var keys = new List<(string Id, string Secret)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (AccessKeyFlag.Parse(line) is not { } key)
            {
                return ([], $"--access-key-file {file.FullName}, line {i + 1}: expected an access key as ID:SECRET with neither part empty.");
            }

            keys.Add(key);
        }

        if (keys.Count == 0)
        {
            return ([], $"--access-key-file {file.FullName} holds no access key: give one ID:SECRET a line.");
        }

        WarnWhenOthersCanRead(file);
        return (keys, null);
    }

    /// <summary>
    /// One line on standard error when users other than the file's owner may read <paramref name="file"/>: the secrets
    /// are then theirs too. A warning, as mosquitto gives for a world-readable password file, not a refusal: a
    /// container's secret volume is mounted readable by all (Kubernetes 0644, Docker 0444) inside a container that has
    /// no other users.
    /// </summary>
    static void WarnWhenOthersCanRead(FileInfo file)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(file.FullName);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            Console.Error.WriteLine($"edgebroker: warning: --access-key-file {file.FullName} can be read by other users of this machine " +
                $"(mode {Convert.ToString((int)mode, 8)}); make it readable by you only: chmod 600 {file.FullName}");
        }
    }

    /// <summary>The keys of every file an <c>--access-key-file</c> option was given, in order; a file that gives none is a
    /// usage error (exit code 2), named in one line.</summary>
    public static List<(string Id, string Secret)> Parse(ArgumentResult result)
    {
        var keys = new List<(string Id, string Secret)>();
        foreach (var token in result.Tokens)
        {
            var (fileKeys, problem) = Read(new FileInfo(token.Value));
            if (problem is not null)
            {
                result.AddError(problem);
            }

            keys.AddRange(fileKeys);
        }

        return keys;
    }
}
