using EdgeBroker.Core.Monitoring;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Monitoring;

public class LoadAverageTests
{
    [Property]
    public bool DecayFactor_IsExpOfMinusX(ushort hundredths)
    {
        double x = hundredths / 100.0;
        return Math.Abs(LoadAverage.DecayFactor(x) - Math.Exp(-x)) <= 1e-12 * Math.Max(1, Math.Exp(-x)) + 1e-300;
    }

    /// <summary>mosquitto's calc_load: new = rate + exp(-elapsed/window) * (old - rate), rate per minute.</summary>
    [Fact]
    public void Update_FoldsTheRateAsMosquittoDoes()
    {
        var load = new LoadAverage();
        load.Update(100, 0);

        load.Update(160, 10);

        // 60 messages in 10 s is 360 a minute.
        Assert.Equal(360 + Math.Exp(-10.0 / 60) * (0 - 360), load.OneMinute, 9);
        Assert.Equal(360 + Math.Exp(-10.0 / 300) * (0 - 360), load.FiveMinutes, 9);
        Assert.Equal(360 + Math.Exp(-10.0 / 900) * (0 - 360), load.FifteenMinutes, 9);
    }

    [Fact]
    public void Update_DecaysTowardsZeroWithoutTraffic()
    {
        var load = new LoadAverage();
        load.Update(0, 0);
        load.Update(600, 60);
        double busy = load.OneMinute;

        load.Update(600, 60);

        Assert.Equal(busy * Math.Exp(-1), load.OneMinute, 9);
    }
}
