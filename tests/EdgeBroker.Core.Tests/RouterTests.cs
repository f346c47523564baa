using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>What the router checks before routing a PUBLISH at all, and what it counts whatever the route.</summary>
public class RouterTests
{
    readonly TestBroker _broker = new();

    [Theory]
    [InlineData("a/+")]
    [InlineData("a/#")]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData("a/p2p/+")]
    public void InvalidTopicName_IsRefusedAndCounted(string topic)
    {
        RecordingConnection spy = _broker.Connect("spy");
        _broker.Subscribe("spy", "#");

        Assert.Equal(PublishOutcome.TopicNameInvalid, _broker.Publish("publisher", topic));
        Assert.Equal(1, _broker.Counters.InvalidTopic);
        Assert.Empty(spy.Received);
    }

    [Theory]
    [InlineData("$SYS/x")]
    [InlineData("$SYS/p2p/x")]
    [InlineData("$x")]
    public void ClientPublishToReservedTopic_IsNotAuthorized(string topic)
    {
        RecordingConnection monitor = _broker.Connect("monitor");
        _broker.Subscribe("monitor", "$SYS/#");
        _broker.Connect("x");

        Assert.Equal(PublishOutcome.NotAuthorized, _broker.Publish("publisher", topic));
        Assert.Equal(1, _broker.Counters.Denied);
        Assert.Empty(monitor.Received);
    }

    [Fact]
    public void BrokerEventsOnSys_ReachSysSubscribersButNotWildcardOnes()
    {
        RecordingConnection monitor = _broker.Connect("monitor");
        RecordingConnection everything = _broker.Connect("everything");
        _broker.Subscribe("monitor", "$SYS/#");
        _broker.Subscribe("everything", "#");

        PublishOutcome outcome = _broker.Core.PublishFromBroker(TestBroker.Message("$SYS/presence/dev1", payload: "online"));

        Assert.Equal(PublishOutcome.Delivered, outcome);
        Assert.Equal(new[] { "online" }, monitor.Payloads);
        Assert.Empty(everything.Received);
    }

    [Fact]
    public void EveryPublish_IsCounted_WhateverItsOutcome()
    {
        _broker.Publish("publisher", "a/+");
        _broker.Publish("publisher", "$SYS/x");
        _broker.Publish("publisher", "nobody/listens");
        _broker.Publish("publisher", "a/p2p/nobody");

        Assert.Equal(4, _broker.Counters.Published);
    }

    [Theory]
    [InlineData("a/p2p/dev1")]
    [InlineData("a/b")]
    public void MessageTheEngineCouldNotQueue_IsCountedAsEngineDropped(string topic)
    {
        RecordingConnection receiver = _broker.Connect("dev1");
        _broker.Subscribe("dev1", "a/b");
        receiver.QueueFull = true;

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", topic));
        Assert.Equal(1, _broker.Counters.EngineDropped);
    }
}
