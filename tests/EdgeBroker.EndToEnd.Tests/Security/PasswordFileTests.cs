using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// The host with a password file made by the real mosquitto_passwd (Security:PasswordFile, --password-file) and an
/// acl_file with a user section: mosquitto_pub/mosquitto_sub log in with user name and password, anyone else is refused.
/// </summary>
public sealed class PasswordFileTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    [ToolFact(Tool.MosquittoClients | Tool.MosquittoPasswd)]
    public async Task Mosquitto_clients_log_in_with_a_password_from_mosquitto_passwd()
    {
        var directory = Directory.CreateTempSubdirectory("edgebroker-passwords-");
        try
        {
            var passwordFile = Path.Combine(directory.FullName, "passwd");
            var aclFile = Path.Combine(directory.FullName, "acl");
            Assert.Equal(0, (await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPasswd, "-c", "-b", passwordFile, "alice", "s3cret pass")).ExitCode);
            Assert.Equal(0, (await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPasswd, "-b", passwordFile, "bob", "hunter2")).ExitCode);
            await File.WriteAllTextAsync(aclFile, "user alice\ntopic readwrite alice/#\n\nuser bob\ntopic write alice/inbox\n");
            await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
            {
                ["EdgeBroker:Security:PasswordFile"] = passwordFile,
                ["EdgeBroker:Security:AclFile"] = aclFile,
            });
            var server = new[] { "-h", broker.Host, "-p", broker.Port.ToString() };

            await using var alice = ProcessRunner.Start(ExternalTools.MosquittoSub,
                [.. server, "-i", "alice-sub", "-u", "alice", "-P", "s3cret pass", "-t", "alice/#", "-v", "-C", "1", "-W", "10"]);
            await Eventually.WaitUntilAsync(() => broker.IsConnected("alice-sub"), () => "alice's mosquitto_sub did not log in", ToolTimeout);
            var wrongPassword = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub, [.. server, "-u", "alice", "-P", "s3cret", "-t", "alice/x", "-m", "x"]);
            var anonymous = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub, [.. server, "-t", "alice/x", "-m", "x"]);
            var notBobsToRead = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoSub,
                [.. server, "-V", "mqttv5", "-d", "-u", "bob", "-P", "hunter2", "-t", "alice/#", "-C", "1", "-W", "2"]);
            await Eventually.WaitUntilAsync(
                async () =>
                {
                    await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub, [.. server, "-u", "bob", "-P", "hunter2", "-t", "alice/inbox", "-m", "hello"]);
                    return alice.Output.Length > 0;
                },
                () => "alice never received bob's message", ToolTimeout);

            Assert.NotEqual(0, wrongPassword.ExitCode);
            Assert.NotEqual(0, anonymous.ExitCode);
            Assert.Contains("Subscribed (mid: 1): 135", notBobsToRead.Output);
            Assert.Equal(0, await alice.WaitForExitAsync(ToolTimeout));
            Assert.Equal("alice/inbox hello", alice.Output.Trim());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
