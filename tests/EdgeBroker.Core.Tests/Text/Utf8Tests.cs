using System.Text;
using EdgeBroker.Core.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Text;

public class Utf8Tests
{
    [Theory]
    [InlineData("GID_x@@@dev1")]
    [InlineData("ü€")]
    [InlineData("emoji \U0001F600 pair")]
    [InlineData("lone \uD800 high")]
    [InlineData("lone \uDC00 low")]
    [InlineData("\uD800")]
    [InlineData("")]
    public void GetBytes_MatchesDotNet(string text)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(text), Utf8.GetBytes(text));
    }

    /// <summary>Same bytes as .NET for any UTF-16 text, unpaired surrogates included (both write U+FFFD).</summary>
    [Property(MaxTest = 2000)]
    public Property GetBytes_MatchesDotNetForAnyText()
    {
        var text = Gen.OneOf(Gen.Choose(0, 0xFFFF), Gen.Choose(0xD800, 0xDFFF))
            .Select(code => (char)code)
            .ArrayOf()
            .Select(chars => new string(chars))
            .ToArbitrary();
        return Prop.ForAll(text, value => Encoding.UTF8.GetBytes(value).SequenceEqual(Utf8.GetBytes(value)));
    }
}
