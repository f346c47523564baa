using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Bookkeeping of the subscription tree: counting, replacing, removing and pruning. Matching itself is
/// covered by <see cref="TopicMatchingTests"/>.</summary>
public class SubscriptionIndexTests
{
    static readonly string[] Filters = { "a/b/c", "a/b/#", "a/+/c", "+/+/+", "#", "/", "a//", "$SYS/+/x" };

    readonly SubscriptionIndex _index = new();
    readonly Session _alice = new("alice");
    readonly Session _bob = new("bob");

    [Fact]
    public void Add_CountsEachSessionFilterPairOnce()
    {
        _index.Add(_alice, "a/b", 0);
        _index.Add(_bob, "a/b", 0);
        _index.Add(_alice, "a/+", 0);

        Assert.Equal(3, _index.Count);
        Assert.Equal(2, _alice.Subscriptions.Count);
    }

    [Fact]
    public void Add_OfTheSameFilterAgain_ReplacesTheGrantedQos()
    {
        Subscription first = _index.Add(_alice, "a/b", 0);
        Subscription second = _index.Add(_alice, "a/b", 2);

        Assert.Same(first, second);
        Assert.Equal(2, second.GrantedQos);
        Assert.Equal(1, _index.Count);
        Assert.Single(_alice.Subscriptions);
    }

    [Fact]
    public void Remove_ForgetsOnlyThatFilterOfThatSession()
    {
        _index.Add(_alice, "a/b", 0);
        _index.Add(_bob, "a/b", 0);

        Assert.True(_index.Remove(_alice, "a/b"));
        Assert.False(_index.Remove(_alice, "a/b"));
        Assert.False(_index.Remove(_alice, "a/+"));

        Assert.Equal(1, _index.Count);
        Assert.Empty(_alice.Subscriptions);
        Assert.Equal(new[] { _bob }, Match("a/b"));
    }

    [Fact]
    public void RemovingEveryFilter_PrunesTheTreeToItsRoot()
    {
        foreach (string filter in Filters)
        {
            _index.Add(_alice, filter, 0);
            _index.Add(_bob, filter, 0);
        }

        foreach (string filter in Filters)
        {
            Assert.True(_index.Remove(_alice, filter));
            Assert.True(_index.Remove(_bob, filter));
        }

        Assert.Equal(0, _index.Count);
        Assert.True(SubscriptionTree.IsEmpty(_index));
    }

    [Fact]
    public void RemoveAll_DropsTheSessionsSubscriptions_AndPrunes()
    {
        foreach (string filter in Filters)
        {
            _index.Add(_alice, filter, 0);
        }

        _index.Add(_bob, "a/b/c", 0);
        _index.RemoveAll(_alice);

        Assert.Equal(1, _index.Count);
        Assert.Empty(_alice.Subscriptions);
        Assert.Equal(new[] { _bob }, Match("a/b/c"));

        _index.RemoveAll(_bob);
        Assert.True(SubscriptionTree.IsEmpty(_index));
    }

    [Fact]
    public void PruningALeaf_KeepsLevelsOtherFiltersStillUse()
    {
        _index.Add(_alice, "a/b/c/d", 0);
        _index.Add(_bob, "a/b", 0);

        _index.Remove(_alice, "a/b/c/d");

        Assert.Equal(new[] { _bob }, Match("a/b"));
        _index.Add(_alice, "a/b/c/d", 0);
        Assert.Equal(new[] { _alice }, Match("a/b/c/d"));
    }

    Session[] Match(string topic)
    {
        var matches = new MatchSet();
        _index.Match(topic, matches);
        return Enumerable.Range(0, matches.Count).Select(matches.SessionAt).ToArray();
    }
}
