using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// Topic matching (MQTT 3.1.1 / 5.0 §4.7) by both implementations: the reference rule <see cref="TopicMatcher"/> and
/// the subscription tree <see cref="SubscriptionIndex"/>. Every case runs against both, and a property checks that
/// they agree on random filters and topics.
/// </summary>
public class TopicMatchingTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        // MQTT 3.1.1 §4.7.1.2: multi-level wildcard
        { "sport/tennis/player1/#", "sport/tennis/player1", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/ranking", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true },
        { "sport/tennis/player1/#", "sport/tennis/player2", false },
        { "sport/#", "sport", true },
        { "sport/#", "sports", false },
        { "#", "sport/tennis", true },
        { "#", "/", true },

        // §4.7.1.3: single-level wildcard
        { "sport/tennis/+", "sport/tennis/player1", true },
        { "sport/tennis/+", "sport/tennis/player2", true },
        { "sport/tennis/+", "sport/tennis/player1/ranking", false },
        { "sport/+", "sport", false },
        { "sport/+", "sport/", true },
        { "+/+", "/finance", true },
        { "/+", "/finance", true },
        { "+", "/finance", false },
        { "+/tennis/#", "sport/tennis/player1", true },
        { "+/#", "sport", true },
        { "+/+", "sport", false },

        // §4.7.2: topics beginning with '$'
        { "#", "$SYS/monitor/Clients", false },
        { "+/monitor/Clients", "$SYS/monitor/Clients", false },
        { "+", "$SYS", false },
        { "$SYS/#", "$SYS/x", true },
        { "$SYS/#", "$SYS", true },
        { "$SYS/monitor/+", "$SYS/monitor/Clients", true },
        { "$SYS/+", "$SYS", false },
        { "a/#", "a/$SYS", true },
        { "+/$x", "a/$x", true },

        // §4.7.3: exact, case-sensitive comparison of levels
        { "sport/tennis", "sport/tennis", true },
        { "ACCOUNTS", "Accounts", false },
        { "/finance", "finance", false },
        { "a/b", "a/bc", false },
        { "a/bc", "a/b", false },
        { "ab", "a", false },
        { "a", "ab", false },
        { "a/b", "a", false },
        { "a", "a/b", false },

        // empty levels
        { "a//b", "a//b", true },
        { "a/+/b", "a//b", true },
        { "a//b", "a/x/b", false },
        { "/", "/", true },
        { "+/+", "/", true },
        { "/#", "/", true },
        { "+", "/", false },
        { "a/", "a/", true },
        { "a/", "a", false },
        { "a", "a/", false },
        { "a/", "a/b", false },
        { "a/+", "a/", true },
        { "a/#", "a/", true },
        { "//", "//", true },
        { "/", "//", false },

        // UTF-8 levels, compared ordinally
        { "température/+", "température/salle", true },
        { "+/ü", "x/ü", true },
        { "温度/#", "温度/室内/1", true },
        { "\U0001F600/+", "\U0001F600/x", true },
        { "\U0001F600", "\U0001F601", false },    // same high surrogate, different low one
        { "é", "e\u0301", false },               // no Unicode normalisation
    };

    [Theory]
    [InlineData("app", "app/p2p/GID_x@@@d", 3, true)]
    [InlineData("app/#", "app/p2p/GID_x@@@d", 3, true)]
    [InlineData("app/+", "app/p2p/GID_x@@@d", 3, false)]
    [InlineData("ap", "app/p2p/GID_x@@@d", 3, false)]
    [InlineData("app/p2p", "app/p2p/GID_x@@@d", 7, true)]
    public void TopicMatcher_CanMatchAPrefixOfTheTopic_WithoutCopyingIt(string filter, string topic, int length, bool expected)
    {
        Assert.Equal(expected, TopicMatcher.Matches(filter, topic, length));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TopicMatcher_FollowsMqttRules(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, TopicMatcher.Matches(filter, topic));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SubscriptionIndex_FollowsMqttRules(string filter, string topic, bool expected)
    {
        var index = new SubscriptionIndex();
        index.Add(new Session("subscriber"), filter, 0);

        Assert.Equal(expected, MatchedSessions(index, topic).Count == 1);
    }

    /// <summary>
    /// The tree and the reference rule agree: for valid filters and topic names over a small alphabet, the sessions the
    /// tree finds are exactly those whose filter <see cref="TopicMatcher.Matches"/> the topic. Several subscriptions share
    /// one tree so that shared and sibling levels are exercised too; one subscription is the common case.
    /// </summary>
    [Property(MaxTest = 2000)]
    public Property SubscriptionIndex_AgreesWithTopicMatcher()
    {
        return Prop.ForAll(SmallAlphabet.FiltersAndTopic, subscriptionCase =>
        {
            var (filters, topic) = subscriptionCase;
            var index = new SubscriptionIndex();
            var sessions = new Session[filters.Length];
            for (int i = 0; i < filters.Length; i++)
            {
                sessions[i] = new Session("s" + i);
                index.Add(sessions[i], filters[i], 0);
            }

            var expected = sessions.Where((_, i) => TopicMatcher.Matches(filters[i], topic)).ToHashSet();
            return expected.SetEquals(MatchedSessions(index, topic))
                .Label($"filters [{string.Join(", ", filters)}], topic '{topic}'");
        });
    }

    static List<Session> MatchedSessions(SubscriptionIndex index, string topic)
    {
        var matches = new MatchSet();
        index.Match(topic, matches);
        return Enumerable.Range(0, matches.Count).Select(matches.SessionAt).ToList();
    }

    /// <summary>Random valid filters and topic names over the alphabet a, b, /, +, #, $.</summary>
    static class SmallAlphabet
    {
        static readonly Gen<string> Text = Gen.Elements('a', 'b', '/', '+', '#', '$')
            .ArrayOf()
            .Select(chars => new string(chars))
            .Resize(8);

        static readonly Gen<string> Filter = Text.Where(TopicValidator.IsValidTopicFilter);

        static readonly Gen<string> Topic = Text.Where(TopicValidator.IsValidTopicName);

        public static readonly Arbitrary<(string[] Filters, string Topic)> FiltersAndTopic =
            Gen.Choose(1, 4)
                .SelectMany(count => Filter.ArrayOf(count))
                .Zip(Topic)
                .ToArbitrary();
    }
}
