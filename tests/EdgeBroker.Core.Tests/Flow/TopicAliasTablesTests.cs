using EdgeBroker.Core.Flow;

namespace EdgeBroker.Core.Tests.Flow;

/// <summary>Topic aliases as the broker resolves a client's and assigns its own (MQTT 5 §3.3.2.3.4).</summary>
public class TopicAliasTablesTests
{
    [Fact]
    public void Inbound_ATopicWithAnAliasDefinesIt_AnEmptyTopicUsesIt_ARedefinitionReplacesIt()
    {
        var aliases = new InboundTopicAliases(maximum: 3);

        Assert.Equal("a/b", aliases.Resolve("a/b", 2, out var defined));
        Assert.Equal("a/b", aliases.Resolve("", 2, out var used));
        Assert.Equal("c", aliases.Resolve("c", 2, out _));
        Assert.Equal("c", aliases.Resolve("", 2, out _));
        Assert.Equal("plain", aliases.Resolve("plain", -1, out var none));
        Assert.Equal((FlowReasons.Accepted, FlowReasons.Accepted, FlowReasons.Accepted), (defined, used, none));
    }

    [Theory]
    [InlineData(0, "a", FlowReasons.TopicAliasInvalid)]
    [InlineData(4, "a", FlowReasons.TopicAliasInvalid)]
    [InlineData(1, "", FlowReasons.ProtocolError)]
    public void Inbound_AnAliasOutOfRangeOrUndefined_EndsTheConnection(int alias, string topic, int expected)
    {
        var aliases = new InboundTopicAliases(maximum: 3);

        Assert.Null(aliases.Resolve(topic, alias, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Inbound_AMaximumOfZero_RefusesEveryAlias()
    {
        Assert.Null(new InboundTopicAliases(maximum: 0).Resolve("a", 1, out var reason));
        Assert.Equal(FlowReasons.TopicAliasInvalid, reason);
    }

    [Fact]
    public void Outbound_TopicsGetAliasesInOrderUntilTheClientsMaximum_ThenGoInFull()
    {
        var aliases = new OutboundTopicAliases(maximum: 2);

        Assert.Equal(0, aliases.Known("a"));
        Assert.Equal(1, aliases.Assign("a"));
        Assert.Equal(2, aliases.Assign("b"));
        Assert.Equal(0, aliases.Assign("c"));
        Assert.Equal((1, 2, 0), (aliases.Known("a"), aliases.Known("b"), aliases.Known("c")));
    }

    [Fact]
    public void Outbound_AnAliasTakenBack_IsAssignedAgain()
    {
        var aliases = new OutboundTopicAliases(maximum: 2);
        var alias = aliases.Assign("too/large");

        aliases.Unassign("too/large", alias);

        Assert.Equal(0, aliases.Known("too/large"));
        Assert.Equal(1, aliases.Assign("next"));
    }

    [Fact]
    public void Outbound_AClientThatAllowsNone_GetsNone()
    {
        Assert.Equal(0, new OutboundTopicAliases(maximum: 0).Assign("a"));
    }

    [Fact]
    public void Outbound_ATopicLongerThanTheAliasedLength_AlwaysGoesInFull_AndTakesNoAlias()
    {
        var aliases = new OutboundTopicAliases(maximum: 2);
        var longest = new string('t', OutboundTopicAliases.MaxAliasedTopicLength);

        Assert.Equal(0, aliases.Assign(longest + "x"));
        Assert.Equal(0, aliases.Known(longest + "x"));
        Assert.Equal(1, aliases.Assign(longest));
        Assert.Equal(2, aliases.Assign("short"));
    }

    [Theory]
    [InlineData(65535, 10, 10)]
    [InlineData(3, 10, 3)]
    [InlineData(0, 10, 0)]
    [InlineData(65535, 0, 0)]
    public void Outbound_TheBrokerUsesTheLeastOfWhatTheClientAllowsAndItsOwnCap(int client, int broker, int used)
    {
        Assert.Equal(used, new FlowLimits(100, 10, broker, 60).OutboundTopicAliasesFor(client));
    }

    [Theory]
    [InlineData(30, 30)]
    [InlineData(60, 60)]
    [InlineData(61, 60)]
    [InlineData(0, 60)]
    public void KeepAlive_AboveTheBoundOrNone_IsTheBound(int requested, int granted)
    {
        Assert.Equal(granted, new FlowLimits(100, 10, 10, maxKeepAliveSeconds: 60).KeepAliveFor(requested));
    }

    [Fact]
    public void KeepAlive_WithoutABound_IsTheClients()
    {
        Assert.Equal(0, new FlowLimits(100, 10, 10, maxKeepAliveSeconds: 0).KeepAliveFor(0));
    }
}
