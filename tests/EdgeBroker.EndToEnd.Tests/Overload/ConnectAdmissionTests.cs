using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// What a CONNECT holds between its admission and its answer — its place among <c>MaxSessions</c>, its will's room in
/// <c>MaxWillBytes</c>, on the device its session's room in the flash log — and what it leaves behind when it fails:
/// bad logins waiting out the login throttle hold none of it, persistent CONNECTs racing for the flash log's share
/// each get a CONNACK, and a CONNECT whose session the full store cannot take leaves neither a session nor a
/// security entry. Real clients over real sockets; the slowed address is 127.0.0.1, another client's 127.0.0.2.
/// </summary>
public sealed class ConnectAdmissionTests
{
    const int Places = 2;
    const int WillPayloadBytes = 1000;

    /// <summary>Where a GID_sensors device may publish, as long as <see cref="WillBudgetTests"/>' will topic, so its
    /// figures count these wills too.</summary>
    const string WillTopic = "sensors/state";

    const int ClosedWithoutConnAck = -1;

    static readonly IPAddress SlowedAddress = IPAddress.Loopback;
    static readonly IPAddress OtherAddress = IPAddress.Parse("127.0.0.2");

    /// <summary>Before: two bad logins, slowed by the throttle, held both places and both wills' room for the second
    /// they waited, and a valid client from another address got 0x03 meanwhile (host: MaxSessions and the will budget;
    /// device: the will budget).</summary>
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Bad_logins_slowed_by_the_throttle_hold_no_session_place_and_no_will_room_while_they_wait(string engine)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = (Places * WillBudgetTests.Counted(engine, WillPayloadBytes) + 10).ToString(),
        };
        if (engine == Engines.Host)
        {
            settings["EdgeBroker:MaxSessions"] = Places.ToString();
        }

        await using var broker = await StartSecureAsync(engine, settings);
        await SlowDownAsync(broker);
        var will = new string('w', WillPayloadBytes);

        var guessing = Enumerable.Range(0, Places)
            .Select(i => ConnectOnceAsync(broker, SlowedAddress, $"GID_sensors@@@guess-{i}", "guess", cleanSession: false, will: will))
            .ToArray();
        await Task.Delay(300); // checked by now, and waiting out the throttle's second
        var valid = await ConnectOnceAsync(broker, OtherAddress, "GID_sensors@@@valid", SensorsSecret, cleanSession: false, will: will);
        var answeredBeforeTheGuesses = !guessing.Any(attempt => attempt.IsCompleted);

        Assert.Equal(0, valid);
        Assert.True(answeredBeforeTheGuesses, "the bad logins were answered before the valid client: the test did not overlap them");
        Assert.All(await Task.WhenAll(guessing), code => Assert.Equal(0x04, code));
        Assert.True(broker.Core!.HasSession("GID_sensors@@@valid"));
        Assert.False(broker.Core.HasSession("GID_sensors@@@guess-0"));
    }

    /// <summary>Before: the share was checked, not taken, so persistent CONNECTs admitted at the same moment (here each
    /// slowed a second by the throttle after its admission) all passed the check, and those beyond the share were
    /// closed without a CONNACK when their session could not be written — each leaving a session behind in memory.</summary>
    [Fact]
    public async Task Persistent_connects_racing_for_the_flash_log_share_each_get_a_connack_and_only_those_that_fit_a_session()
    {
        const int Racing = 6;
        await using var broker = await StartSecureAsync(Engines.Emulator, new Dictionary<string, string?>
        {
            // A quarter of the log, 4 KB, for sessions: three of these client IDs of a kilobyte each.
            ["flash_store_bytes"] = "16384",
            ["EdgeBroker:Security:MaxClientIdLength"] = "2000",
        });
        await SlowDownAsync(broker);
        var racers = Enumerable.Range(0, Racing).Select(i => $"GID_sensors@@@racer-{i}-" + new string('r', 1000)).ToArray();

        var codes = await Task.WhenAll(racers.Select(id => ConnectOnceAsync(broker, SlowedAddress, id, SensorsSecret, cleanSession: false)));

        Assert.All(codes, code => Assert.True(code is 0 or 0x03, $"a racer got {code} (-1: closed without a CONNACK)"));
        var accepted = racers.Where((_, i) => codes[i] == 0).ToArray();
        Assert.InRange(accepted.Length, 1, Racing - 1);
        Assert.Equal(accepted, racers.Where(broker.Core!.HasSession));

        // The share is full: a further new persistent session is refused, and an admitted one comes back to its own.
        Assert.Equal(0x03, await ConnectOnceAsync(broker, OtherAddress, "GID_sensors@@@late-" + new string('l', 1000), SensorsSecret, cleanSession: false));
        Assert.Equal(0, await ConnectOnceAsync(broker, OtherAddress, accepted[0], SensorsSecret, cleanSession: false));
    }

    /// <summary>Before: the host's CONNECT failed once authenticated (SQLite full as the session was written), the
    /// connection closed without a CONNACK, the failure was logged as an unexpected error with its stack trace for every
    /// such CONNECT and counted nowhere — and earlier both its security entry (checked for every PUBLISH and SUBSCRIBE of
    /// that client ID) and an empty session holding a place among MaxSessions stayed until the client ID came back. Now
    /// it is refused "server unavailable" (3.1.1 0x03, MQTT 5 0x88), counted with the session refusals, logged once,
    /// and the connected client, the away session and its stored messages carry on.</summary>
    [Theory]
    [InlineData(4, 0x03)]
    [InlineData(5, 0x88)]
    public async Task A_connect_whose_session_the_full_store_cannot_take_is_refused_server_unavailable_and_leaves_nothing(int protocolLevel,
        int serverUnavailable)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxDatabaseBytes"] = "262144",
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "10000",
            ["EdgeBroker:MaxOfflineBytesPerClient"] = "16000000",
            ["EdgeBroker:Security:MaxClientIdLength"] = "20000",
        });
        await using (var away = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await away.ConnectAsync(StoreFullTests.Away, cleanSession: false));
            Assert.Equal(1, await away.SubscribeAsync("store/#", qos: 1));
            await away.SendAsync(0xE0, []);
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected(StoreFullTests.Away), () => "the away client is still connected");
        await using var connected = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await connected.ConnectAsync("connected", protocolLevel: protocolLevel));
        var stored = await StoreFullTests.FillAsync(broker);
        Assert.InRange(stored, 1, 1999);

        // Their sessions' rows take pages the full database does not have.
        var newcomers = new[] { "newcomer-" + new string('n', 16000), "second-" + new string('s', 16000) };
        foreach (var newcomer in newcomers)
        {
            await using var connection = await RawMqttConnection.OpenAsync(broker);
            var code = await AnswerAsync(connection.ConnectAsync(newcomer, cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: 3600));

            Assert.Equal(serverUnavailable, code);
            Assert.True(await connection.IsClosedByBrokerAsync(TimeSpan.FromSeconds(5)), "the refused connection stayed open");
            Assert.Null(broker.Security!.Clients.Find(newcomer));
            Assert.False(broker.Core!.HasSession(newcomer));
        }

        var core = broker.Core!;
        Assert.Equal(core.SessionCount, core.SessionPlacesTaken);
        Assert.Equal(newcomers.Length, core.SessionsRefused);
        using (var http = new HttpClient { BaseAddress = broker.HttpBaseAddress })
        {
            Assert.Equal(newcomers.Length, (await MetricsScrapeTests.ScrapeAsync(http))["edgebroker_sessions_refused_total"]);
        }

        // Logged once, as a refusal naming the store's reason, not as an unexpected error.
        var refusal = Assert.Single(broker.LoggedProblems, line => line.Contains("Refused CONNECT"));
        Assert.Contains("newcomer-", refusal);
        Assert.Contains("the session store could not keep the session", refusal);

        // Every other client is served: the connected one still pings, the away one comes back to everything stored.
        await connected.SendAsync(0xC0, []);
        Assert.Equal(13, (await connected.ReadPacketAsync(TimeSpan.FromSeconds(5))).Type);
        await using var back = await StoreFullTests.TakeStoredAsync(broker, StoreFullTests.Away, stored);

        // Their deletions made room in the full database: a new persistent session is taken again. Neither the refusals
        // nor those deletions (group-committed, retried when a commit fails) surfaced as a handler's error.
        Assert.True(await StoreFullTests.PublishQos1Async(broker, "store/after"));
        Assert.Equal("store/after", (await back.ReadPublishAsync(TimeSpan.FromSeconds(15))).Topic);
        await using (var late = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await late.ConnectAsync("late-" + new string('l', 16000), cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: 3600));
        }

        Assert.DoesNotContain(broker.LoggedProblems, line => line.Contains("Unexpected error"));
    }

    /// <summary>The host with the security tests' configuration, or the emulator with the same access key and instance.</summary>
    static Task<RunningBroker> StartSecureAsync(string engine, Dictionary<string, string?> settings)
    {
        if (engine == Engines.Host)
        {
            return StartAsync(engine, settings);
        }

        settings["access_key." + SensorsKey] = SensorsSecret;
        settings["instance_id"] = InstanceId;
        return Engines.StartAsync(engine, settings);
    }

    /// <summary>Three bad logins from <see cref="SlowedAddress"/>: from now on the login throttle (both engines' defaults:
    /// from 3 failures, 1 s; locked out at 10) slows every answer to it.</summary>
    static async Task SlowDownAsync(RunningBroker broker)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(0x04, await ConnectOnceAsync(broker, SlowedAddress, "GID_sensors@@@guess", "guess"));
        }
    }

    /// <summary>A CONNECT signed with <paramref name="secret"/> on a connection of its own from <paramref name="from"/>,
    /// closed after the CONNACK; its return code, or <see cref="ClosedWithoutConnAck"/>.</summary>
    static async Task<int> ConnectOnceAsync(RunningBroker broker, IPAddress from, string clientId, string secret, bool cleanSession = true,
        string? will = null)
    {
        await using var connection = await RawMqttConnection.OpenAsync(broker, from);
        return await AnswerAsync(connection.ConnectAsync(clientId, cleanSession: cleanSession, willTopic: will is null ? null : WillTopic, willPayload: will,
            userName: SignatureUserName(SensorsKey), password: SignaturePassword(secret, clientId)));
    }

    static async Task<int> AnswerAsync(Task<int> connecting)
    {
        try
        {
            return await connecting;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return ClosedWithoutConnAck;
        }
    }
}
