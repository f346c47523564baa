using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>
/// mosquitto_pub and mosquitto_sub against a broker's TLS port, trusting the CA file given. The subscriber is a
/// persistent session that subscribes and leaves (<see cref="SubscribeAsync"/>), then comes back for what was kept for
/// it (<see cref="ReceiveOneAsync"/>): no waiting for a running mosquitto_sub's SUBSCRIBE to land, which its buffered
/// output cannot show.
/// </summary>
static class MosquittoOverTls
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Publishes <paramref name="message"/> to <paramref name="topic"/> at QoS 1 and returns how mosquitto_pub
    /// ended.</summary>
    public static Task<(int ExitCode, string Output, string Errors)> PublishAsync(RunningBroker broker, string caFile, string topic,
        string message, params string[] options) =>
        ProcessRunner.RunAsync(Timeout, ExternalTools.MosquittoPub, [.. Connection(broker, caFile), .. options, "-q", "1", "-t", topic, "-m", message]);

    /// <summary>Subscribes <paramref name="clientId"/>'s persistent session to <paramref name="topic"/> at QoS 1 and
    /// disconnects once the broker has acknowledged it.</summary>
    public static async Task SubscribeAsync(RunningBroker broker, string caFile, string clientId, string topic, params string[] options)
    {
        var run = await ProcessRunner.RunAsync(Timeout, ExternalTools.MosquittoSub, [.. Session(broker, caFile, clientId, topic), .. options, "-E"]);
        Assert.True(run.ExitCode == 0, $"mosquitto_sub could not subscribe: {run.Output} {run.Errors}");
    }

    /// <summary>Reconnects <paramref name="clientId"/>'s session and returns the first message it receives, as
    /// "topic payload".</summary>
    public static async Task<string> ReceiveOneAsync(RunningBroker broker, string caFile, string clientId, string topic, params string[] options)
    {
        var run = await ProcessRunner.RunAsync(Timeout, ExternalTools.MosquittoSub,
            [.. Session(broker, caFile, clientId, topic), .. options, "-v", "-C", "1", "-W", "10"]);
        Assert.True(run.ExitCode == 0, $"mosquitto_sub received nothing: {run.Output} {run.Errors}");
        return run.Output.Trim();
    }

    static string[] Session(RunningBroker broker, string caFile, string clientId, string topic) =>
        [.. Connection(broker, caFile), "-i", clientId, "-c", "-q", "1", "-t", topic];

    static string[] Connection(RunningBroker broker, string caFile) =>
        ["-h", broker.Host, "-p", broker.TlsPort.ToString(), "--cafile", caFile];
}
