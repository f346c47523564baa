using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Storage.Tests.Contract;

public abstract partial class StoreContractTests
{
    [Fact]
    public void SaveSession_IsLoaded()
    {
        Sessions.SaveSession("dev", 3600, 1234);
        Sessions.SaveSession("other", uint.MaxValue, 0);

        Assert.Equal(new[] { "dev:3600:1234:", "other:4294967295:0:" }, LoadedSessions());
    }

    [Fact]
    public void SaveSession_Again_UpdatesItsValues_AndKeepsItsSubscriptions()
    {
        Sessions.SaveSession("dev", 60, 0);
        Sessions.SaveSubscription("dev", new SubscriptionRecord("a/#", 1, false, false, 0));

        Sessions.SaveSession("dev", 120, 5000);

        Assert.Equal(new[] { "dev:120:5000:a/#=1" }, LoadedSessions());
    }

    [Fact]
    public void SaveSubscription_KeepsEveryOption_AndReplacesTheSameFilter()
    {
        Sessions.SaveSession("dev", 60, 0);
        Sessions.SaveSubscription("dev", new SubscriptionRecord("a/+", 1, false, false, 0));
        Sessions.SaveSubscription("dev", new SubscriptionRecord("b", 0, false, false, 0));

        Sessions.SaveSubscription("dev", new SubscriptionRecord("a/+", 2, true, true, 42));

        Assert.Equal(new[] { "dev:60:0:a/+=2nr42,b=0" }, LoadedSessions());
    }

    [Fact]
    public void DeleteSubscription_RemovesOnlyThatFilter()
    {
        Sessions.SaveSession("dev", 60, 0);
        Sessions.SaveSubscription("dev", new SubscriptionRecord("a", 1, false, false, 0));
        Sessions.SaveSubscription("dev", new SubscriptionRecord("b", 1, false, false, 0));

        Sessions.DeleteSubscription("dev", "a");
        Sessions.DeleteSubscription("dev", "never-subscribed");
        Sessions.DeleteSubscription("nobody", "b");

        Assert.Equal(new[] { "dev:60:0:b=1" }, LoadedSessions());
    }

    [Fact]
    public void DeleteSession_ForgetsItAndItsSubscriptions()
    {
        Sessions.SaveSession("dev", 60, 0);
        Sessions.SaveSubscription("dev", new SubscriptionRecord("a", 1, false, false, 0));
        Sessions.SaveSession("other", 60, 0);

        Sessions.DeleteSession("dev");
        Sessions.DeleteSession("nobody");
        Assert.Equal(new[] { "other:60:0:" }, LoadedSessions());

        Sessions.SaveSession("dev", 30, 0);
        Assert.Equal(new[] { "dev:30:0:", "other:60:0:" }, LoadedSessions());
    }

    [Fact]
    public void SaveSubscription_OfAnUnknownSession_IsNotLoaded()
    {
        Sessions.SaveSubscription("nobody", new SubscriptionRecord("a", 1, false, false, 0));

        Assert.Empty(LoadedSessions());
    }

    /// <summary>Every stored session as "client:expiry:disconnectedAt:filter=qos[n][r][identifier],…", sorted (stores
    /// need not keep an order).</summary>
    protected string[] LoadedSessions()
    {
        return Sessions.LoadSessions().Cast<SessionRecord>()
            .Select(session => session.ClientId + ":" + session.ExpiryIntervalSeconds + ":" + session.DisconnectedAtMs + ":"
                + string.Join(",", session.Subscriptions.Cast<SubscriptionRecord>().Select(Describe).Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    static string Describe(SubscriptionRecord subscription)
    {
        return subscription.Filter + "=" + subscription.GrantedQos + (subscription.NoLocal ? "n" : "")
            + (subscription.RetainAsPublished ? "r" : "") + (subscription.Identifier != 0 ? subscription.Identifier.ToString() : "");
    }
}
