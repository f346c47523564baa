using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Tests.Text;

public class FlatJsonObjectTests
{
    [Fact]
    public void Reads_string_members_unescaped_and_other_scalars_as_written()
    {
        StringMap members = FlatJsonObject.Parse(" {\"token\":\"a\\/b\\u003d\\\"\\\\\", \"n\": -1.5e3 ,\"t\":true,\"z\":null} ")!;

        Assert.Equal("a/b=\"\\", members.Get("token"));
        Assert.Equal("-1.5e3", members.Get("n"));
        Assert.Equal("true", members.Get("t"));
        Assert.Equal("null", members.Get("z"));
        Assert.Equal(0, FlatJsonObject.Parse("{ }")!.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("{\"a\":\"b\"")]
    [InlineData("{\"a\":\"b\"} x")]
    [InlineData("{\"a\":{}}")]
    [InlineData("{\"a\":[1]}")]
    [InlineData("{\"a\":\"b\",}")]
    [InlineData("{\"a\":\"b\",\"a\":\"c\"}")]
    [InlineData("{\"a\":\"\\x\"}")]
    [InlineData("{\"a\":\"\\u12\"}")]
    [InlineData("{\"a\":\"line\nbreak\"}")]
    [InlineData("{a:\"b\"}")]
    public void Refuses_anything_but_one_flat_object(string json)
    {
        Assert.Null(FlatJsonObject.Parse(json));
    }
}
