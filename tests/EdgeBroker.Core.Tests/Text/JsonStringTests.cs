using System.Text.Json;
using EdgeBroker.Core.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Text;

public class JsonStringTests
{
    [Theory]
    [InlineData("GID_x@@@dev1", "\"GID_x@@@dev1\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("tab\there\nnew\rline", "\"tab\\there\\nnew\\rline\"")]
    [InlineData("\b\f", "\"\\b\\f\"")]
    [InlineData("\u0001\u001f", "\"\\u0001\\u001f\"")]
    [InlineData("ü/€ \u007f", "\"ü/€ \u007f\"")]
    [InlineData("", "\"\"")]
    [InlineData(null, "\"\"")]
    public void Quote_EscapesWhatJsonRequires_AndNothingElse(string? value, string expected)
    {
        Assert.Equal(expected, JsonString.Quote(value!));
    }

    [Fact]
    public void Escaping_ReturnsTheSameTextWhenNothingNeedsReplacing()
    {
        const string Plain = "GID_sensors@@@DEVICE_001";

        Assert.Same(Plain, CharacterEscaping.Apply(Plain, _ => null));
    }

    /// <summary>Any text (valid UTF-16, as client IDs decoded from UTF-8 are) round-trips through a JSON parser.</summary>
    [Property(MaxTest = 1000)]
    public Property Quote_RoundTripsThroughAJsonParser()
    {
        var text = Gen.OneOf(Gen.Choose(0, 0x7F), Gen.Choose(0x80, 0xD7FF), Gen.Choose(0xE000, 0xFFFF))
            .Select(code => (char)code)
            .ArrayOf()
            .Select(chars => new string(chars))
            .ToArbitrary();
        return Prop.ForAll(text, value =>
            (JsonSerializer.Deserialize<string>(JsonString.Quote(value)) == value).Label(JsonString.Quote(value)));
    }
}
