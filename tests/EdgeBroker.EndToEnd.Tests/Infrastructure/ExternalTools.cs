using System.Diagnostics;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real third-party clients some tests drive. A missing tool makes those tests report themselves skipped with the
/// command that installs it (never a silent pass); .ci/run installs them all, so CI runs every test.
/// </summary>
public static class ExternalTools
{
    public const string InstallCommand = "sudo apt-get install -y mosquitto mosquitto-clients python3-paho-mqtt curl openssl";

    /// <summary>Debian's python3-paho-mqtt is importable from the system interpreter, not from a pyenv one earlier on PATH.</summary>
    public const string SystemPython = "/usr/bin/python3";

    static readonly Lazy<string?> MosquittoPubPath = new(() => Which("mosquitto_pub"));
    static readonly Lazy<string?> MosquittoSubPath = new(() => Which("mosquitto_sub"));
    static readonly Lazy<string?> MosquittoBrokerPath = new(() => Which("mosquitto") ?? (File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : null));
    static readonly Lazy<string?> MosquittoPasswdPath = new(() => Which("mosquitto_passwd"));
    static readonly Lazy<bool> CurlAndOpensslAvailable = new(() => Which("curl") is not null && Which("openssl") is not null);
    static readonly Lazy<string?> NodePath = new(() => Which("node"));
    static readonly Lazy<bool> PahoAvailable = new(() => File.Exists(SystemPython) && Run(SystemPython, "-c \"import paho.mqtt.client\"") == 0);

    /// <summary>Node.js, which runs MQTT.js.</summary>
    public static string Node => NodePath.Value ?? throw new InvalidOperationException("node missing");

    /// <summary>Where tests/install-tools.sh installs MQTT.js (npm ci), beside the scripts that drive it.</summary>
    public static string MqttJsDirectory => Path.Combine(PublishedHost.RepositoryRoot(), "tests", "EdgeBroker.EndToEnd.Tests", "Clients", "node");

    public static string MosquittoPub => MosquittoPubPath.Value ?? throw new InvalidOperationException("mosquitto_pub missing");

    public static string MosquittoSub => MosquittoSubPath.Value ?? throw new InvalidOperationException("mosquitto_sub missing");

    /// <summary>The mosquitto broker (Debian puts it in /usr/sbin, often not on a user's PATH).</summary>
    public static string MosquittoBroker => MosquittoBrokerPath.Value ?? throw new InvalidOperationException("mosquitto missing");

    /// <summary>mosquitto's password file tool (package mosquitto).</summary>
    public static string MosquittoPasswd => MosquittoPasswdPath.Value ?? throw new InvalidOperationException("mosquitto_passwd missing");

    /// <summary>Why a test needing <paramref name="tools"/> cannot run here, or null when it can.</summary>
    public static string? MissingReason(Tool tools)
    {
        var missing = new List<string>();
        if (tools.HasFlag(Tool.MosquittoClients) && (MosquittoPubPath.Value is null || MosquittoSubPath.Value is null))
        {
            missing.Add("mosquitto_pub/mosquitto_sub");
        }

        if (tools.HasFlag(Tool.MosquittoBroker) && MosquittoBrokerPath.Value is null)
        {
            missing.Add("the mosquitto broker");
        }

        if (tools.HasFlag(Tool.MosquittoPasswd) && MosquittoPasswdPath.Value is null)
        {
            missing.Add("mosquitto_passwd");
        }

        if (tools.HasFlag(Tool.PahoMqtt) && !PahoAvailable.Value)
        {
            missing.Add($"python3-paho-mqtt for {SystemPython}");
        }

        if (tools.HasFlag(Tool.MqttJs) && (NodePath.Value is null || !Directory.Exists(Path.Combine(MqttJsDirectory, "node_modules", "mqtt"))))
        {
            missing.Add("node and MQTT.js (bash tests/install-tools.sh runs npm ci in tests/EdgeBroker.EndToEnd.Tests/Clients/node)");
        }

        if (tools.HasFlag(Tool.CurlAndOpenssl) && !CurlAndOpensslAvailable.Value)
        {
            missing.Add("curl and openssl");
        }

        return missing.Count == 0 ? null : $"needs {string.Join(" and ", missing)}; install with: {InstallCommand}";
    }

    static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    static int Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }
}

[Flags]
public enum Tool
{
    MosquittoClients = 1,
    PahoMqtt = 2,
    CurlAndOpenssl = 4,
    MosquittoBroker = 8,
    MosquittoPasswd = 16,
    MqttJs = 32,
}

/// <summary>A theory that needs external clients; skipped, with the install command, where they are missing.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(Tool tools)
    {
        Skip = ExternalTools.MissingReason(tools);
    }
}

/// <summary>A fact that needs external tools; skipped, with the install command, where they are missing.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(Tool tools)
    {
        Skip = ExternalTools.MissingReason(tools);
    }
}
