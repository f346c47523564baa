using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Whether two topic filters can match a common topic: level by level, <c>#</c> meets anything from there on,
    /// <c>+</c> meets any one level, literals must be equal; <c>a</c> and <c>a/#</c> overlap because <c>#</c> includes
    /// its parent level. Both filters must be valid.
    /// </summary>
    public static class FilterOverlap
    {
        public static bool Overlaps(string a, string b)
        {
            int i = 0;
            int j = 0;
            while (true)
            {
                if (IsHashAt(a, i) || IsHashAt(b, j))
                {
                    return true;
                }

                int aEnd = TopicLevels.LevelEnd(a, i);
                int bEnd = TopicLevels.LevelEnd(b, j);
                bool aPlus = aEnd - i == 1 && a[i] == '+';
                bool bPlus = bEnd - j == 1 && b[j] == '+';
                if (!aPlus && !bPlus && !TopicLevels.SameLevel(a, i, aEnd, b, j, bEnd))
                {
                    return false;
                }

                bool aDone = aEnd == a.Length;
                bool bDone = bEnd == b.Length;
                if (aDone && bDone)
                {
                    return true;
                }

                if (aDone || bDone)
                {
                    // Only "x/#" still matches "x" when the other filter has ended.
                    return aDone ? IsFinalHash(b, bEnd) : IsFinalHash(a, aEnd);
                }

                i = aEnd + 1;
                j = bEnd + 1;
            }
        }

        static bool IsHashAt(string filter, int start)
        {
            return start < filter.Length && filter[start] == '#';
        }

        static bool IsFinalHash(string filter, int levelEnd)
        {
            return levelEnd + 2 == filter.Length && filter[levelEnd + 1] == '#';
        }
    }
}
