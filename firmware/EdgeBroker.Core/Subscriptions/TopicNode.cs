using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Subscriptions
{
    /// <summary>One level of the subscription tree. Wildcard levels get their own fields so matching never
    /// has to look them up by name.</summary>
    internal sealed class TopicNode
    {
        public TopicNode(TopicNode parent, string level)
        {
            Parent = parent;
            Level = level;
        }

        public TopicNode Parent { get; private set; }

        public string Level { get; private set; }

        /// <summary>Literal child levels by name; created on first use.</summary>
        public StringMap Children;

        /// <summary>The '+' child.</summary>
        public TopicNode SingleLevel;

        /// <summary>The '#' child.</summary>
        public TopicNode MultiLevel;

        /// <summary>Subscriptions whose filter ends at this node.</summary>
        public ArrayList Subscriptions;

        /// <summary><see cref="ShareGroup"/>s whose topic filter ends at this node; created on first use.</summary>
        public ArrayList ShareGroups;

        public bool IsEmpty
        {
            get
            {
                return (Subscriptions == null || Subscriptions.Count == 0)
                    && (ShareGroups == null || ShareGroups.Count == 0)
                    && (Children == null || Children.Count == 0)
                    && SingleLevel == null
                    && MultiLevel == null;
            }
        }

        /// <summary>The group for <paramref name="shareName"/> at this node, or null.</summary>
        public ShareGroup FindShareGroup(string shareName)
        {
            if (ShareGroups == null)
            {
                return null;
            }

            for (int i = 0; i < ShareGroups.Count; i++)
            {
                ShareGroup group = (ShareGroup)ShareGroups[i];
                if (group.ShareName == shareName)
                {
                    return group;
                }
            }

            return null;
        }

        public TopicNode Child(string level)
        {
            if (level == "+")
            {
                return SingleLevel;
            }

            if (level == "#")
            {
                return MultiLevel;
            }

            return Children == null ? null : (TopicNode)Children.Get(level);
        }

        public TopicNode GetOrAddChild(string level)
        {
            TopicNode child = Child(level);
            if (child != null)
            {
                return child;
            }

            child = new TopicNode(this, level);
            if (level == "+")
            {
                SingleLevel = child;
            }
            else if (level == "#")
            {
                MultiLevel = child;
            }
            else
            {
                if (Children == null)
                {
                    Children = new StringMap(4);
                }

                Children.Set(level, child);
            }

            return child;
        }

        public void RemoveChild(TopicNode child)
        {
            if (child == SingleLevel)
            {
                SingleLevel = null;
            }
            else if (child == MultiLevel)
            {
                MultiLevel = null;
            }
            else if (Children != null)
            {
                Children.Remove(child.Level);
            }
        }
    }
}
