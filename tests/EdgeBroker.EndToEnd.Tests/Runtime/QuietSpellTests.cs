using EdgeBroker.Host.Runtime;

namespace EdgeBroker.EndToEnd.Tests.Runtime;

/// <summary>
/// The rule that keeps the heap trim's pause out of traffic: a second is quiet only when the broker both allocated
/// little and used little CPU in it, since a broker routing a steady 8,000 messages a second allocates almost nothing
/// (docs/performance.md).
/// </summary>
public sealed class QuietSpellTests
{
    static readonly TimeSpan QuietCpu = QuietSpell.QuietCpuPerSecond - TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Quiet_seconds_count_up_while_allocation_and_cpu_stay_low()
    {
        var spell = new QuietSpell(0, TimeSpan.Zero);
        long allocated = 0;
        var cpu = TimeSpan.Zero;
        for (var second = 1; second <= 5; second++)
        {
            allocated += QuietSpell.QuietBytesPerSecond - 1;
            cpu += QuietCpu;
            spell.Tick(allocated, cpu);
            Assert.Equal(second, spell.Seconds);
        }
    }

    [Fact]
    public void A_second_that_allocates_the_limit_ends_the_spell()
    {
        var spell = new QuietSpell(0, TimeSpan.Zero);
        spell.Tick(0, QuietCpu);
        spell.Tick(0, QuietCpu * 2);
        spell.Tick(QuietSpell.QuietBytesPerSecond, QuietCpu * 3);

        Assert.Equal(0, spell.Seconds);
    }

    [Fact]
    public void A_second_that_uses_the_cpu_limit_ends_the_spell_though_it_allocated_nothing()
    {
        var spell = new QuietSpell(0, TimeSpan.Zero);
        spell.Tick(0, QuietCpu);
        spell.Tick(0, QuietCpu + QuietSpell.QuietCpuPerSecond);

        Assert.Equal(0, spell.Seconds);
    }

    [Fact]
    public void Each_second_is_judged_against_the_one_before_not_against_the_start()
    {
        var spell = new QuietSpell(0, TimeSpan.Zero);
        spell.Tick(10 * QuietSpell.QuietBytesPerSecond, TimeSpan.FromSeconds(1));
        spell.Tick(10 * QuietSpell.QuietBytesPerSecond + 1, TimeSpan.FromSeconds(1) + QuietCpu);

        Assert.Equal(1, spell.Seconds);
    }

    [Fact]
    public void A_restart_begins_a_new_spell_from_the_totals_it_is_given()
    {
        var spell = new QuietSpell(0, TimeSpan.Zero);
        spell.Tick(0, QuietCpu);
        spell.Tick(0, QuietCpu * 2);

        // The trim's own collection allocates nothing but costs CPU: the restart's totals keep it out of the next second.
        spell.Restart(0, TimeSpan.FromSeconds(1));
        Assert.Equal(0, spell.Seconds);
        spell.Tick(1, TimeSpan.FromSeconds(1) + QuietCpu);
        Assert.Equal(1, spell.Seconds);
    }
}
