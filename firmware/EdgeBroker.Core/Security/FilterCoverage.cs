using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Whether a rule's topic filter covers a requested filter: every topic the requested filter can match, the
    /// rule's matches too. <c>sensors/#</c> covers <c>sensors/+/temp</c> and <c>sensors</c>; <c>sensors/+</c>
    /// does not cover <c>sensors/#</c>; a literal level covers only the same literal, not <c>+</c>. Both filters
    /// must be valid; <c>$</c> filters are decided elsewhere.
    /// </summary>
    public static class FilterCoverage
    {
        public static bool Covers(string ruleFilter, string requested)
        {
            int r = 0;
            int q = 0;
            while (true)
            {
                if (r < ruleFilter.Length && ruleFilter[r] == '#')
                {
                    return true;
                }

                int ruleEnd = TopicLevels.LevelEnd(ruleFilter, r);
                int requestedEnd = TopicLevels.LevelEnd(requested, q);
                bool ruleIsPlus = ruleEnd - r == 1 && ruleFilter[r] == '+';
                bool requestedIsHash = requestedEnd - q == 1 && requested[q] == '#';
                if (ruleIsPlus ? requestedIsHash : !TopicLevels.SameLevel(ruleFilter, r, ruleEnd, requested, q, requestedEnd))
                {
                    return false;
                }

                bool ruleDone = ruleEnd == ruleFilter.Length;
                bool requestedDone = requestedEnd == requested.Length;
                if (ruleDone || requestedDone)
                {
                    // A request that stops where the rule goes on with "/#" is covered: '#' includes its parent.
                    return ruleDone
                        ? requestedDone
                        : ruleEnd + 2 == ruleFilter.Length && ruleFilter[ruleEnd + 1] == '#';
                }

                r = ruleEnd + 1;
                q = requestedEnd + 1;
            }
        }
    }
}
