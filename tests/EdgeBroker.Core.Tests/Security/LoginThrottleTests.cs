using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Failed logins from one address are slowed, then refused for a while; time is passed in.</summary>
public class LoginThrottleTests
{
    const string Address = "192.0.2.7";

    static readonly LoginThrottleOptions Options = new()
    {
        FailureWindowMs = 60_000,
        FailuresBeforeDelay = 2,
        DelayMs = 500,
        FailuresBeforeLockout = 4,
        LockoutMs = 300_000,
        MaxTrackedAddresses = 3,
    };

    readonly LoginThrottle _throttle = new(Options);

    [Fact]
    public void Failures_first_slow_the_address_then_lock_it_out()
    {
        Assert.Equal(0, _throttle.DelayMs(Address, 0));
        Assert.False(_throttle.RecordFailure(Address, 1000));
        Assert.Equal(0, _throttle.DelayMs(Address, 1000));
        Assert.False(_throttle.RecordFailure(Address, 2000));
        Assert.Equal(500, _throttle.DelayMs(Address, 2000));
        Assert.False(_throttle.RecordFailure(Address, 3000));

        Assert.True(_throttle.RecordFailure(Address, 4000));

        Assert.Equal(304_000, _throttle.LockedUntilMs(Address, 4000));
        Assert.Equal(304_000, _throttle.LockedUntilMs(Address, 303_999));
        Assert.Equal(0, _throttle.LockedUntilMs("192.0.2.8", 4000));
    }

    [Fact]
    public void A_lockout_runs_out_and_starts_a_fresh_count()
    {
        for (int i = 0; i < 4; i++)
        {
            _throttle.RecordFailure(Address, 1000);
        }

        Assert.Equal(0, _throttle.LockedUntilMs(Address, 301_000));
        Assert.Equal(0, _throttle.DelayMs(Address, 301_000));
        Assert.False(_throttle.RecordFailure(Address, 301_000));
    }

    [Fact]
    public void Failures_older_than_the_window_are_forgotten()
    {
        _throttle.RecordFailure(Address, 0);
        _throttle.RecordFailure(Address, 1000);
        _throttle.RecordFailure(Address, 2000);

        Assert.Equal(0, _throttle.DelayMs(Address, 62_001));
        Assert.False(_throttle.RecordFailure(Address, 62_001));
        Assert.Equal(0, _throttle.LockedUntilMs(Address, 62_001));
    }

    [Fact]
    public void Tracking_is_bounded_and_keeps_locked_out_addresses_over_quiet_ones()
    {
        for (int i = 0; i < 4; i++)
        {
            _throttle.RecordFailure(Address, 0);
        }

        for (int i = 0; i < 10; i++)
        {
            _throttle.RecordFailure("198.51.100." + i, 1000 + i);
        }

        Assert.Equal(3, _throttle.TrackedAddresses);
        Assert.Equal(300_000, _throttle.LockedUntilMs(Address, 5000));
    }

    [Fact]
    public void Zero_thresholds_never_slow_or_lock()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { FailuresBeforeDelay = 0, FailuresBeforeLockout = 0 });
        for (int i = 0; i < 100; i++)
        {
            Assert.False(throttle.RecordFailure(Address, i));
        }

        Assert.Equal(0, throttle.DelayMs(Address, 100));
        Assert.Equal(0, throttle.LockedUntilMs(Address, 100));
    }
}
