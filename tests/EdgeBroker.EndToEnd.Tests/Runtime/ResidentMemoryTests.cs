using System.Text;
using EdgeBroker.Host.Runtime;

namespace EdgeBroker.EndToEnd.Tests.Runtime;

/// <summary>
/// The heap trim's resident size read from <c>/proc/self/statm</c> (the second field, in pages) instead of
/// <see cref="Environment.WorkingSet"/>'s parse of <c>/proc/self/status</c>, which the JIT recompiled in the measured
/// phase (docs/performance.md).
/// </summary>
public sealed class ResidentMemoryTests
{
    [Theory]
    [InlineData("4142 3387 1666 1 0 2020 0\n", 3387)]
    [InlineData("1 0 0 0 0 0 0\n", 0)]
    [InlineData("16350 2147483648 1666 1 0 14228 0\n", 2147483648)]
    [InlineData("16350 15595", 15595)]
    public void The_resident_pages_are_the_second_field(string statm, long pages) =>
        Assert.Equal(pages, ResidentMemory.ResidentPages(Encoding.ASCII.GetBytes(statm)));

    [Theory]
    [InlineData("")]
    [InlineData("4142")]
    [InlineData("4142 ")]
    [InlineData(" 3387 1666")]
    [InlineData("4142 x 1666")]
    public void Text_without_two_numbers_is_not_read(string statm) =>
        Assert.Equal(-1, ResidentMemory.ResidentPages(Encoding.ASCII.GetBytes(statm)));

    [Fact]
    public void Each_read_is_the_resident_size_now()
    {
        var resident = new ResidentMemory();
        Assert.True(AgreesWithWorkingSet(resident), "before");

        // Touched after the first read: a value kept from that read would now be 64 MB short.
        var held = new byte[64 << 20];
        for (var i = 0; i < held.Length; i += Environment.SystemPageSize)
        {
            held[i] = 1;
        }

        Assert.True(AgreesWithWorkingSet(resident), "after 64 MB touched");
        GC.KeepAlive(held);
    }

    /// <summary>Whether a read lies between two readings of <see cref="Environment.WorkingSet"/> around it (give or
    /// take 4 MB); tried a few times, since tests running beside this one allocate and free meanwhile.</summary>
    static bool AgreesWithWorkingSet(ResidentMemory resident)
    {
        const long Slack = 4 << 20;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var first = Environment.WorkingSet;
            var read = resident.Bytes();
            var second = Environment.WorkingSet;
            if (read >= Math.Min(first, second) - Slack && read <= Math.Max(first, second) + Slack)
            {
                return true;
            }
        }

        return false;
    }
}
