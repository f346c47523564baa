using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Tests;

public class TopicValidatorTests
{
    const string GClef = "\U0001D11E"; // one code point outside the BMP: a surrogate pair, 4 bytes in UTF-8

    static string Repeat(string unit, int count) => string.Concat(Enumerable.Repeat(unit, count));

    [Theory]
    [InlineData("a")]
    [InlineData("sport/tennis/player1")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData(" ")]
    [InlineData("$SYS/broker/clients")]
    [InlineData("a/$b")]
    [InlineData("température/salle-1")]
    [InlineData("a/" + GClef + "/b")]
    public void ValidTopicNames_AreAccepted(string topic)
    {
        Assert.True(TopicValidator.IsValidTopicName(topic));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/+")]
    [InlineData("a/#")]
    [InlineData("a+b")]
    [InlineData("a#")]
    public void TopicNames_WithWildcardsOrEmpty_AreRejected(string topic)
    {
        Assert.False(TopicValidator.IsValidTopicName(topic));
    }

    [Fact]
    public void NullTopicName_IsRejected()
    {
        Assert.False(TopicValidator.IsValidTopicName(null!));
        Assert.False(TopicValidator.IsValidTopicFilter(null!));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("a/#")]
    [InlineData("+/+")]
    [InlineData("+/#")]
    [InlineData("a/+/b")]
    [InlineData("/+")]
    [InlineData("+/")]
    [InlineData("/#")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("$SYS/#")]
    [InlineData("$SYS/+/clients")]
    public void ValidTopicFilters_AreAccepted(string filter)
    {
        Assert.True(TopicValidator.IsValidTopicFilter(filter));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/#/b")]   // '#' not last
    [InlineData("#/a")]
    [InlineData("#/")]
    [InlineData("##")]
    [InlineData("a/b#")]    // '#' mixed with text
    [InlineData("a/#b")]
    [InlineData("a#")]
    [InlineData("a+/b")]    // '+' mixed with text
    [InlineData("+a")]
    [InlineData("a/b+")]
    [InlineData("a/+b/c")]
    [InlineData("++")]
    [InlineData("+#")]
    public void MalformedTopicFilters_AreRejected(string filter)
    {
        Assert.False(TopicValidator.IsValidTopicFilter(filter));
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\0")]
    [InlineData("a/\0")]
    public void NullCharacter_IsRejectedInNamesAndFilters(string text)
    {
        Assert.False(TopicValidator.IsValidTopicName(text));
        Assert.False(TopicValidator.IsValidTopicFilter(text));
    }

    // Lone surrogates cannot be written in [InlineData]: attribute strings are stored as UTF-8, which replaces them
    // with U+FFFD. The cases are named here and built at run time instead.
    static readonly Dictionary<string, string> UnpairedSurrogates = new()
    {
        ["high surrogate at the end"] = "a\uD834",
        ["high surrogate before a non-surrogate"] = "\uD834/b",
        ["low surrogate alone"] = "a\uDD1Eb",
        ["pair in the wrong order"] = "\uDD1E\uD834",
        ["two high surrogates"] = "\uD834\uD834",
    };

    [Theory]
    [InlineData("high surrogate at the end")]
    [InlineData("high surrogate before a non-surrogate")]
    [InlineData("low surrogate alone")]
    [InlineData("pair in the wrong order")]
    [InlineData("two high surrogates")]
    public void UnpairedSurrogates_AreRejectedInNamesAndFilters(string @case)
    {
        string text = UnpairedSurrogates[@case];

        Assert.False(TopicValidator.IsValidTopicName(text));
        Assert.False(TopicValidator.IsValidTopicFilter(text));
    }

    [Fact]
    public void SurrogatePairs_AreAcceptedInNamesAndFilters()
    {
        Assert.True(TopicValidator.IsValidTopicName(GClef));
        Assert.True(TopicValidator.IsValidTopicName("\uD83D\uDE00/" + GClef));
        Assert.True(TopicValidator.IsValidTopicFilter(GClef + "/+/#"));
    }

    [Theory]
    [InlineData("a", 1)]       // 1 byte each: 65,535 x 1
    [InlineData("é", 2)]       // 2 bytes each: 32,767 x 2 = 65,534
    [InlineData("€", 3)]       // 3 bytes each: 21,845 x 3 = 65,535
    [InlineData(GClef, 4)]     // 4 bytes each: 16,383 x 4 = 65,532
    public void Utf8Length_UpTo65535Bytes_IsAccepted(string unit, int bytesPerUnit)
    {
        string longest = Repeat(unit, TopicValidator.MaxUtf8Length / bytesPerUnit);

        Assert.True(TopicValidator.IsValidTopicName(longest));
        Assert.True(TopicValidator.IsValidTopicFilter(longest));
    }

    [Theory]
    [InlineData("a", 1)]       // 65,536 bytes
    [InlineData("é", 2)]       // 32,768 x 2 = 65,536
    [InlineData("€", 3)]       // 21,846 x 3 = 65,538
    [InlineData(GClef, 4)]     // 16,384 x 4 = 65,536
    public void Utf8Length_Over65535Bytes_IsRejected(string unit, int bytesPerUnit)
    {
        string tooLong = Repeat(unit, TopicValidator.MaxUtf8Length / bytesPerUnit + 1);

        Assert.False(TopicValidator.IsValidTopicName(tooLong));
        Assert.False(TopicValidator.IsValidTopicFilter(tooLong));
    }

    [Fact]
    public void Utf8Length_CountsMixedWidthsTogether()
    {
        // 65,532 ASCII bytes + one 3-byte character = 65,535 bytes; one more ASCII byte is over.
        string exact = new string('a', 65532) + "€";
        string over = "a" + exact;

        Assert.True(TopicValidator.IsValidTopicName(exact));
        Assert.False(TopicValidator.IsValidTopicName(over));
    }

    [Theory]
    [InlineData("$SYS/x", true)]
    [InlineData("$", true)]
    [InlineData("$SYS/#", true)]
    [InlineData("a/$SYS", false)]
    [InlineData("SYS/x", false)]
    [InlineData("", false)]
    public void IsReserved_IsTrueOnlyForTopicsStartingWithDollar(string topic, bool reserved)
    {
        Assert.Equal(reserved, TopicValidator.IsReserved(topic));
    }
}
