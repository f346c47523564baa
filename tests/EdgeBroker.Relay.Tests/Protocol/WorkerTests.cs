using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>The thread behind the transmitter, housekeeping and the uplink driver: an unexpected exception in its work
/// is logged once per run of the same fault, and the thread carries on.</summary>
public class WorkerTests
{
    [Fact]
    public void A_failing_round_is_logged_once_per_run_and_the_thread_carries_on()
    {
        var log = new RecordingLog();
        int rounds = 0;
        var worker = new Worker("test", () =>
        {
            int round = Interlocked.Increment(ref rounds);
            if (round <= 3 || round == 5)
            {
                throw new InvalidOperationException("injected fault");
            }
        }, 5, log);

        worker.Start();
        SpinWait.SpinUntil(() => Volatile.Read(ref rounds) >= 8, TimeSpan.FromSeconds(10));
        worker.Stop();

        Assert.True(rounds >= 8, "the worker stopped after " + rounds + " rounds");
        var faults = log.Warnings.Where(line => line.Contains("injected fault")).ToList();
        Assert.Equal(2, faults.Count);
        Assert.All(faults, line => Assert.StartsWith("Unexpected error in the relay's test thread", line));
    }
}
