namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Polls for a state that the broker or an external client reaches on its own time (nothing to await).</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/>'s description after
    /// <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>The same, for a condition that has to ask (an HTTP request) or act (send a probe) to find out.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what());
            await Task.Delay(50);
        }
    }
}
