using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// The attack of issue #12, with nothing but raw sockets and no credentials: many connections, a batch at a time, each
/// sending one input of <see cref="MalformedInputs"/> in turn (the noise with a fresh random length of 1–512 bytes
/// each time) and closing after <see cref="Hold"/> unless the broker closed it first. Shared with the benchmarks'
/// Robustness case (linked there), so the test and the published figure run the same mix.
/// </summary>
public static class MalformedMix
{
    /// <summary>How long each connection stays open, as the attacker's script did.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(2);

    /// <summary>A valid MQTT 3.1.1 CONNECT (clean session) for inputs that need an accepted connection first.</summary>
    static byte[] Connect(int number)
    {
        var clientId = System.Text.Encoding.ASCII.GetBytes("mix-" + number);
        var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, (byte)clientId.Length };
        body.AddRange(clientId);
        return [0x10, (byte)body.Count, .. body];
    }

    /// <summary>Opens <paramref name="connections"/> connections to <paramref name="host"/>:<paramref name="port"/>,
    /// <paramref name="batch"/> at a time; returns when all are closed.</summary>
    public static async Task RunAsync(string host, int port, int connections, int batch, int seed)
    {
        var names = MalformedInputs.All.Keys.ToArray();
        var random = new Random(seed);
        for (var start = 0; start < connections; start += batch)
        {
            var wave = new List<Task>();
            for (var number = start; number < Math.Min(connections, start + batch); number++)
            {
                var name = names[number % names.Length];
                var input = MalformedInputs.All[name];
                var bytes = name == MalformedInputs.RandomBytes ? Noise(random) : input.Bytes;
                wave.Add(SendAsync(host, port, input.ConnectFirst ? [.. Connect(number), .. bytes] : bytes));
            }

            await Task.WhenAll(wave);
        }
    }

    static byte[] Noise(Random random)
    {
        var bytes = new byte[random.Next(1, 513)];
        random.NextBytes(bytes);
        return bytes;
    }

    static async Task SendAsync(string host, int port, byte[] bytes)
    {
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port);
            var stream = client.GetStream();
            await stream.WriteAsync(bytes);
            using var hold = new CancellationTokenSource(Hold);
            var sink = new byte[512];
            while (await stream.ReadAsync(sink, hold.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // Held long enough, or closed (reset) by the broker: either way this connection is done.
        }
    }
}
