using EdgeBroker.Core.Security;
using EdgeBroker.Core.Topics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>A rule filter covers a requested filter when everything the request can match, the rule matches too.</summary>
public class FilterCoverageTests
{
    [Theory]
    [InlineData("#", "#", true)]
    [InlineData("#", "a/+/c", true)]
    [InlineData("sensors/#", "sensors/+/temp", true)]
    [InlineData("sensors/#", "sensors", true)]
    [InlineData("sensors/#", "sensors/#", true)]
    [InlineData("sensors/#", "#", false)]
    [InlineData("sensors/#", "other/x", false)]
    [InlineData("sensors/+", "sensors/a", true)]
    [InlineData("sensors/+", "sensors/+", true)]
    [InlineData("sensors/+", "sensors/#", false)]
    [InlineData("sensors/+", "sensors/a/b", false)]
    [InlineData("sensors/+", "sensors", false)]
    [InlineData("sensors/a", "sensors/+", false)]
    [InlineData("sensors/a", "sensors/a", true)]
    [InlineData("sensors/a", "sensors/ab", false)]
    [InlineData("a//b", "a//b", true)]
    [InlineData("a/+/b", "a//b", true)]
    [InlineData("+", "a", true)]
    [InlineData("+", "a/b", false)]
    [InlineData("+/#", "a/b/c", true)]
    public void Covers(string rule, string requested, bool expected)
    {
        Assert.Equal(expected, FilterCoverage.Covers(rule, requested));
    }

    /// <summary>Soundness over a small alphabet: whenever the rule is said to cover the request, every topic the
    /// request matches, the rule matches.</summary>
    [Property(MaxTest = 2000)]
    public Property Coverage_never_grants_a_topic_the_rule_does_not_match()
    {
        Gen<string> filters = Filter();
        Gen<string> topics = Gen.Elements("a", "b", "").ListOf().Where(l => l.Count is > 0 and < 5).Select(l => string.Join("/", l)).Where(t => t.Length > 0);
        return Prop.ForAll(Arb.From(filters), Arb.From(filters), Arb.From(topics), (rule, requested, topic) =>
            !FilterCoverage.Covers(rule, requested) || !TopicMatcher.Matches(requested, topic) || TopicMatcher.Matches(rule, topic));
    }

    static Gen<string> Filter()
    {
        Gen<string> level = Gen.Elements("a", "b", "+", "");
        return Gen.Choose(1, 4).SelectMany(count => level.ArrayOf(count))
            .SelectMany(levels => Gen.Elements(false, true).Select(hash => string.Join("/", hash ? levels.Append("#") : levels)))
            .Where(TopicValidator.IsValidTopicFilter);
    }
}
