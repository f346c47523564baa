using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Core.Tests.Diagnostics;

public class FaultGateTests
{
    [Fact]
    public void A_repeated_fault_is_reported_once_until_a_round_succeeds()
    {
        var gate = new FaultGate();
        Assert.True(gate.ShouldReport(new InvalidOperationException("disk gone")));
        Assert.False(gate.ShouldReport(new InvalidOperationException("disk gone")));
        Assert.False(gate.ShouldReport(new InvalidOperationException("disk gone")));

        gate.Recovered();
        Assert.True(gate.ShouldReport(new InvalidOperationException("disk gone")));
    }

    [Fact]
    public void A_different_fault_is_news()
    {
        var gate = new FaultGate();
        Assert.True(gate.ShouldReport(new InvalidOperationException("disk gone")));
        Assert.True(gate.ShouldReport(new InvalidOperationException("socket gone")));
        Assert.True(gate.ShouldReport(new ArgumentException("socket gone")));
    }
}
