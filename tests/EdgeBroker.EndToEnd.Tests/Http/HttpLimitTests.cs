using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Host.Http;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>
/// What an unauthenticated caller can make the HTTP API hold: bodies are read only up to what the API needs (16 KiB; a
/// larger one is answered 413 in the API's JSON, before it is read when its length is announced), forms only up to the
/// values an endpoint takes, and connections only up to HttpMaxConnections, HttpMaxConnectionsPerAddress from one
/// address (a further one is closed at once, logged once per address a minute). Raw sockets, as an attacker would send them; signed requests still work afterwards.
/// </summary>
public sealed class HttpLimitTests
{
    [Fact]
    public async Task A_body_announced_larger_than_the_api_reads_is_answered_413_without_being_sent()
    {
        await using var api = await ApiBroker.StartAsync();
        var http = api.Broker.HttpBaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(http.Host, http.Port);
        var stream = tcp.GetStream();

        // Only the headers: the answer must come without the 30 MB the header announces.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /token/apply HTTP/1.1\r\nHost: {http.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 30000000\r\n\r\n"));
        var (status, body) = await ReadAnswerAsync(stream);

        Assert.Equal(413, status);
        AssertRefusedJson(body);
        Assert.Single(api.Broker.LoggedProblems, line => line.Contains($"body above {HttpLimits.MaxRequestBodyBytes} bytes to /token/apply"));
        (await api.AllGroups.PostAsync("/pairing/open", new Dictionary<string, string> { ["group"] = "GID_sensors" })).AssertOk();
    }

    [Fact]
    public async Task A_chunked_body_that_grows_past_the_limit_is_answered_413()
    {
        await using var api = await ApiBroker.StartAsync();
        var http = api.Broker.HttpBaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(http.Host, http.Port);
        var stream = tcp.GetStream();
        var chunk = "k=" + new string('v', HttpLimits.MaxRequestBodyBytes);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /token/apply HTTP/1.1\r\nHost: {http.Authority}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" +
            $"{chunk.Length:x}\r\n{chunk}\r\n0\r\n\r\n"));
        var (status, body) = await ReadAnswerAsync(stream);

        Assert.Equal(413, status);
        AssertRefusedJson(body);

        // The caller's mistake, not the broker's: no error with a stack trace.
        Assert.DoesNotContain(api.Broker.LoggedProblems, line => line.Contains("Exception"));
    }

    [Fact]
    public async Task A_form_with_more_values_than_an_endpoint_takes_is_refused_as_unreadable()
    {
        await using var api = await ApiBroker.StartAsync();
        var parameters = api.AllGroups.Signed("POST", "/pairing/open", new Dictionary<string, string> { ["group"] = "GID_sensors" })
            .Concat(Enumerable.Range(0, HttpLimits.MaxFormValues).Select(i => KeyValuePair.Create("extra" + i, "x")));

        var answer = await api.AllGroups.PostFormAsync("/pairing/open", parameters);

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_at_once_and_a_freed_place_is_reused()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:HttpMaxConnections"] = "3" });
        var http = broker.HttpBaseAddress!;
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                // Each served before the next opens: Kestrel admits accepted connections on several threads, so a
                // connection opened later could otherwise take a place first and one of these be the one closed.
                held.Add(new TcpClient());
                await held[^1].ConnectAsync(http.Host, http.Port);
                var stream = held[^1].GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /dashboard/capabilities HTTP/1.1\r\nHost: {http.Authority}\r\n\r\n"));
                Assert.Equal(200, (await ReadAnswerAsync(stream)).Status);
            }

            Assert.True(await IsClosedAtOnceAsync(http), "a fourth connection was not closed");
            Assert.True(await IsClosedAtOnceAsync(http), "a fifth connection was not closed");
            Assert.Single(broker.LoggedProblems, line => line.Contains("HttpMaxConnections"));

            held[1].Dispose();
            using var client = new HttpClient { BaseAddress = http };
            await Eventually.WaitUntilAsync(async () =>
            {
                try
                {
                    return (await client.GetAsync("/dashboard/capabilities")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, () => "no connection was admitted after one closed");
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
    }

    /// <summary>The security review's F6: one address holding idle sockets used to take all HttpMaxConnections
    /// places. Now it takes its share and is closed beyond it, while another address is served.</summary>
    [Fact]
    public async Task One_address_holding_idle_connections_takes_its_share_and_another_address_is_still_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:HttpMaxConnectionsPerAddress"] = "4" });
        var http = broker.HttpBaseAddress!;
        var peer = IPAddress.Parse("127.0.0.2");
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                // Served once, then kept open and idle (for up to 30 s, HttpLimits.KeepAliveTimeout): each holds a place.
                held.Add(new TcpClient(new IPEndPoint(peer, 0)));
                await held[^1].ConnectAsync(http.Host, http.Port);
                await held[^1].GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /dashboard/capabilities HTTP/1.1\r\nHost: {http.Authority}\r\n\r\n"));
                Assert.Equal(200, (await ReadAnswerAsync(held[^1].GetStream())).Status);
            }

            Assert.True(await IsClosedAtOnceAsync(http, peer), "a fifth connection from the address was not closed");
            Assert.Contains(broker.LoggedProblems, line => line.Contains("Closed a connection from 127.0.0.2") && line.Contains("HttpMaxConnectionsPerAddress"));

            using var client = new HttpClient { BaseAddress = http };
            for (var i = 0; i < 8; i++)
            {
                Assert.True((await client.GetAsync("/dashboard/capabilities")).IsSuccessStatusCode);
            }
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
    }

    [Fact]
    public void Places_are_kept_for_loopback_however_many_other_addresses_fill_the_rest()
    {
        var slots = new HttpConnectionSlots(max: 8, maxPerAddress: 2);
        var others = Enumerable.Range(1, 4).Select(i => IPAddress.Parse("192.0.2." + i)).ToList();

        var taken = others.SelectMany(address => new[] { slots.TryTake(address), slots.TryTake(address), slots.TryTake(address) }).ToList();

        // Each address got its 2 until the 6 places not kept for loopback were taken; the last address got none.
        Assert.Equal(6, taken.Count(refusal => refusal is null));
        Assert.Contains(taken, refusal => refusal?.Contains("HttpMaxConnectionsPerAddress") == true);
        Assert.Contains(taken, refusal => refusal?.Contains("kept for this machine's own") == true);
        Assert.Null(slots.TryTake(IPAddress.Loopback));
        Assert.Null(slots.TryTake(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Contains("HttpMaxConnections)", slots.TryTake(IPAddress.IPv6Loopback));

        slots.Release(others[0]);
        Assert.Null(slots.TryTake(others[3]));
    }

    /// <summary>Whether a new connection (from <paramref name="from"/>, or any loopback address) is closed by the
    /// broker before it sends anything back to a request.</summary>
    static async Task<bool> IsClosedAtOnceAsync(Uri http, IPAddress? from = null)
    {
        using var tcp = from is null ? new TcpClient() : new TcpClient(new IPEndPoint(from, 0));
        await tcp.ConnectAsync(http.Host, http.Port);
        var stream = tcp.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /dashboard/capabilities HTTP/1.1\r\nHost: {http.Authority}\r\n\r\n"), timeout.Token);
            return await stream.ReadAsync(new byte[256], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads one HTTP/1.1 answer, its body sized by Content-Length or sent in chunks: its status and body.</summary>
    static async Task<(int Status, string Body)> ReadAnswerAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = new List<byte>();
        var buffer = new byte[4096];
        async Task ReadMoreAsync()
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "the connection closed within the answer: " + Encoding.ASCII.GetString([.. received]));
            received.AddRange(buffer.AsSpan(0, read));
        }

        int headerEnd;
        while ((headerEnd = IndexOf(received, "\r\n\r\n", 0)) < 0)
        {
            await ReadMoreAsync();
        }

        var head = Encoding.ASCII.GetString([.. received[..headerEnd]]).Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1]);
        var body = new List<byte>();
        var at = headerEnd + 4;
        if (head.FirstOrDefault(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } contentLength)
        {
            var length = int.Parse(contentLength["Content-Length:".Length..].Trim());
            while (received.Count < at + length)
            {
                await ReadMoreAsync();
            }

            body.AddRange(received.GetRange(at, length));
        }
        else
        {
            // Transfer-Encoding: chunked — hex size, CRLF, data, CRLF; a size of 0 ends it.
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(received, "\r\n", at)) < 0)
                {
                    await ReadMoreAsync();
                }

                var size = Convert.ToInt32(Encoding.ASCII.GetString([.. received[at..lineEnd]]), 16);
                if (size == 0)
                {
                    break;
                }

                while (received.Count < lineEnd + 2 + size + 2)
                {
                    await ReadMoreAsync();
                }

                body.AddRange(received.GetRange(lineEnd + 2, size));
                at = lineEnd + 2 + size + 2;
            }
        }

        return (status, Encoding.UTF8.GetString([.. body]));
    }

    static int IndexOf(List<byte> received, string text, int from)
    {
        for (var i = from; i + text.Length <= received.Count; i++)
        {
            var j = 0;
            while (j < text.Length && received[i + j] == text[j])
            {
                j++;
            }

            if (j == text.Length)
            {
                return i;
            }
        }

        return -1;
    }

    static void AssertRefusedJson(string body)
    {
        using var json = JsonDocument.Parse(body);
        Assert.Equal(1, json.RootElement.GetProperty("code").GetInt32());
        Assert.False(json.RootElement.GetProperty("success").GetBoolean());
        Assert.Contains($"{HttpLimits.MaxRequestBodyBytes} bytes", json.RootElement.GetProperty("message").GetString());
    }
}
