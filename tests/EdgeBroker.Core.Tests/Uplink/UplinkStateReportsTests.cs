using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>An upstream that keeps refusing is logged once per failure and address, again every ten minutes with how
/// often it repeated, and not on every attempt; every other state change is logged.</summary>
public class UplinkStateReportsTests
{
    const string First = "mqtt://10.0.0.5:1883";
    const string Second = "mqtt://10.0.0.6:1883";
    const string Refused = "the upstream refused the connection: CONNACK 0x86";

    readonly UplinkStateReports _reports = new();

    [Fact]
    public void A_repeated_failure_is_logged_once_until_ten_minutes_have_passed_then_with_its_count()
    {
        Assert.Equal(UplinkStateReports.Information, Judge(UplinkState.Connecting, First, failures: 0, now: 0, out _));
        Assert.Equal(UplinkStateReports.Warning, Judge(UplinkState.BackingOff, First, failures: 1, now: 10, out var firstNote, Refused));
        Assert.Contains("unchanged repeats are logged every 10 min", firstNote);

        for (var attempt = 2; attempt <= 12; attempt++)
        {
            Assert.Equal(UplinkStateReports.NotLogged, Judge(UplinkState.Connecting, First, attempt - 1, now: attempt * 1000, out _));
            Assert.Equal(UplinkStateReports.NotLogged, Judge(UplinkState.BackingOff, First, attempt, now: attempt * 1000 + 5, out _, Refused));
        }

        Assert.Equal(UplinkStateReports.Warning,
            Judge(UplinkState.BackingOff, First, 13, now: UplinkStateReports.RepeatIntervalMs + 10, out var repeatNote, Refused));
        Assert.Equal(" (the same failure 12 time(s) since it was last logged)", repeatNote);
    }

    [Fact]
    public void Another_failure_or_another_address_is_logged_at_once()
    {
        Judge(UplinkState.BackingOff, First, 1, now: 0, out _, Refused);

        Assert.Equal(UplinkStateReports.Warning, Judge(UplinkState.BackingOff, Second, 2, now: 1, out _, Refused));
        Assert.Equal(UplinkStateReports.Warning, Judge(UplinkState.BackingOff, First, 3, now: 2, out _, "network: connection refused"));
        Assert.Equal(UplinkStateReports.NotLogged, Judge(UplinkState.BackingOff, Second, 4, now: 3, out _, Refused));
    }

    [Fact]
    public void The_connection_back_is_logged_with_the_failed_attempts_and_a_later_failure_is_new_again()
    {
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Judge(UplinkState.BackingOff, First, attempt, now: attempt, out _, Refused);
        }

        Assert.Equal(UplinkStateReports.Information, Judge(UplinkState.Connected, First, 0, now: 10, out var backNote));
        Assert.Equal(" after 3 failed attempt(s)", backNote);
        Assert.Equal(UplinkStateReports.Warning, Judge(UplinkState.BackingOff, First, 1, now: 20, out _, Refused));
    }

    int Judge(UplinkState state, string address, int failures, long now, out string note, string? error = null) =>
        _reports.Judge(new UplinkStatus { Name = "cloud", State = state, Address = address, Failures = failures, LastError = error! }, now, out note);
}
