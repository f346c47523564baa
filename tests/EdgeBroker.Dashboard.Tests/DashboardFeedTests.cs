using System.Net;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Http;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>
/// The host's live feed (<c>GET /dashboard/events</c>) read as a plain HTTP client reads server-sent events: signed like
/// every listing, narrowed to the groups of the key, and bounded in how many streams it serves. No browser needed.
/// </summary>
public sealed class DashboardFeedTests
{
    /// <summary>The feed's path and stream limit as docs/dashboard.md states them (the host and the emulator both compile
    /// the feed's class, so a test seeing both cannot name it).</summary>
    const string Path = "/dashboard/events";
    const int MaxStreams = 16;

    [Fact]
    public async Task A_wrong_signature_is_refused_with_code_2_like_every_signed_request()
    {
        await using var api = await ApiBroker.StartAsync();
        using var wrong = new SignedApiClient(api.Broker.HttpBaseAddress!, ApiBroker.AllGroupsKey, "not-the-secret");

        var answer = await wrong.GetAsync(Path);

        answer.AssertRefused(HttpStatusCode.Forbidden, 2);
    }

    [Fact]
    public async Task A_key_limited_to_a_group_sees_only_that_groups_clients_and_presence_events_and_no_uplinks()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        await using var sensor = await TestClient.ConnectAsync(broker, "GID_sensors@@@a");
        await using var other = await TestClient.ConnectAsync(broker, "GID_other@@@b");
        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
        await using var feed = await FeedReader.OpenAsync(http, FeedPath(api.Sensors, new() { ["group"] = "GID_sensors" }));

        var status = await feed.NextAsync("status");
        await using var otherLater = await TestClient.ConnectAsync(broker, "GID_other@@@c");
        await using var sensorLater = await TestClient.ConnectAsync(broker, "GID_sensors@@@d");
        var presence = await feed.NextAsync("presence");

        Assert.Equal(["GID_sensors@@@a"], status.GetProperty("clients").GetProperty("list").EnumerateArray()
            .Select(client => client.GetProperty("clientId").GetString()));
        Assert.Equal(JsonValueKind.Null, status.GetProperty("uplinks").ValueKind);
        Assert.Equal(2, status.GetProperty("counters").GetProperty("clientsConnected").GetInt32());
        Assert.Equal("GID_sensors@@@d", presence.GetProperty("clientId").GetString());
        Assert.Equal("connect", presence.GetProperty("eventType").GetString());
    }

    [Fact]
    public async Task At_most_16_streams_are_served_at_once_and_a_closed_one_makes_room()
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };
        var feeds = new List<FeedReader>();
        try
        {
            for (var i = 0; i < MaxStreams; i++)
            {
                feeds.Add(await FeedReader.OpenAsync(http, FeedPath(api.AllGroups)));
            }

            using var refused = await http.GetAsync(FeedPath(api.AllGroups));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

            await feeds[0].DisposeAsync();
            feeds.RemoveAt(0);
            await Eventually.WaitUntilAsync(async () =>
            {
                using var again = await http.GetAsync(FeedPath(api.AllGroups), HttpCompletionOption.ResponseHeadersRead);
                return again.StatusCode == HttpStatusCode.OK;
            }, () => "no stream was served after one closed");
        }
        finally
        {
            foreach (var feed in feeds)
            {
                await feed.DisposeAsync();
            }
        }
    }

    /// <summary>The feed's path with the parameters signed by <paramref name="client"/>'s key.</summary>
    static string FeedPath(SignedApiClient client, Dictionary<string, string>? parameters = null) =>
        Path + "?" + SignedApiClient.Query(client.Signed("GET", Path, parameters));

    /// <summary>One open stream, read event by event.</summary>
    sealed class FeedReader : IAsyncDisposable
    {
        readonly HttpResponseMessage _response;
        readonly StreamReader _reader;

        FeedReader(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public static async Task<FeedReader> OpenAsync(HttpClient http, string path)
        {
            var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new FeedReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        /// <summary>The data of the next event named <paramref name="name"/> (others are skipped).</summary>
        public async Task<JsonElement> NextAsync(string name)
        {
            using var timeout = new CancellationTokenSource(Eventually.DefaultTimeout);
            string? eventName = null;
            while (await _reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventName = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == name)
                {
                    return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                }
            }

            throw new InvalidOperationException($"the feed ended before a {name} event");
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
