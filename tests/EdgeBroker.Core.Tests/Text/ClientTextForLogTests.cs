using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Tests.Text;

public class ClientTextForLogTests
{
    [Theory]
    [InlineData("GID_x@@@dev1", "GID_x@@@dev1")]
    [InlineData("sensors/+/temperature", "sensors/+/temperature")]
    [InlineData("ü/€/日本", "ü/€/日本")]
    [InlineData("a\u001b[31mRED", "a\\x1B[31mRED")]
    [InlineData("line\nforged\r", "line\\x0Aforged\\x0D")]
    [InlineData("bell\u0007del\u007fcsi\u009b", "bell\\x07del\\x7Fcsi\\x9B")]
    [InlineData("back\\slash", "back\\slash")]
    [InlineData("rtl\u202eexe.txt\u2028", "rtl\\u202Eexe.txt\\u2028")]
    [InlineData("", "")]
    public void Control_characters_are_shown_escaped_and_the_rest_as_it_is(string text, string shown) =>
        Assert.Equal(shown, ClientTextForLog.Of(text));

    [Fact]
    public void Text_that_needs_nothing_is_returned_as_it_is() =>
        Assert.Same("GID_x@@@dev1", ClientTextForLog.Of("GID_x@@@dev1"));

    [Fact]
    public void Null_stays_null()
    {
        Assert.Null(ClientTextForLog.Of(null!));
        Assert.Null(ClientTextForLog.Escaped(null!));
    }

    [Fact]
    public void Text_up_to_256_characters_is_shown_whole_and_longer_as_its_start_and_length()
    {
        var whole = new string('a', 256);
        var topic = "$flood/" + new string('T', 60_000);

        Assert.Equal(whole, ClientTextForLog.Of(whole));
        Assert.Equal(topic[..64] + "... (60007 characters)", ClientTextForLog.Of(topic));
    }

    [Fact]
    public void A_long_text_of_control_characters_stays_bounded()
    {
        var shown = ClientTextForLog.Of(new string('\u001b', 65_535));

        Assert.Equal(string.Concat(Enumerable.Repeat("\\x1B", 64)) + "... (65535 characters)", shown);
    }

    [Fact]
    public void The_cut_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 63) + "😀" + new string('b', 300);

        Assert.Equal(new string('a', 63) + "... (365 characters)", ClientTextForLog.Of(text));
    }

    [Fact]
    public void Escaping_what_was_escaped_changes_nothing()
    {
        var shown = ClientTextForLog.Of("AK\nFORGED LINE\u001b[31m");

        Assert.Equal("AK\\x0AFORGED LINE\\x1B[31m", shown);
        Assert.Equal("unknown access key " + shown, ClientTextForLog.Escaped("unknown access key " + shown));
    }

    [Fact]
    public void Escaped_escapes_without_cutting()
    {
        var reason = "unknown access key " + new string('k', 300) + "\u001b";

        Assert.Equal("unknown access key " + new string('k', 300) + "\\x1B", ClientTextForLog.Escaped(reason));
    }
}
