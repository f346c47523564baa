using System.Reflection;
using EdgeBroker.Core.Subscriptions;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>Looks inside a <see cref="SubscriptionIndex"/> to check that unused levels are pruned (the root is
/// private, so this is the one place that reaches it by reflection).</summary>
internal static class SubscriptionTree
{
    static readonly FieldInfo RootField = typeof(SubscriptionIndex).GetField("_root", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("SubscriptionIndex no longer has a _root field; update SubscriptionTree.");

    /// <summary>True when the tree holds no level at all below its root.</summary>
    public static bool IsEmpty(SubscriptionIndex index)
    {
        return ((TopicNode)RootField.GetValue(index)!).IsEmpty;
    }
}
