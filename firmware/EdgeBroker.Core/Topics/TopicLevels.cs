namespace EdgeBroker.Core.Topics
{
    /// <summary>Level-by-level reading of topic names and filters without splitting them: where a level ends and
    /// whether two levels are the same text. Shared by the filter comparisons (coverage, overlap).</summary>
    public static class TopicLevels
    {
        /// <summary>The index of the '/' ending the level that starts at <paramref name="start"/>, or the length.</summary>
        public static int LevelEnd(string text, int start)
        {
            int end = start;
            while (end < text.Length && text[end] != '/')
            {
                end++;
            }

            return end;
        }

        public static bool SameLevel(string a, int aStart, int aEnd, string b, int bStart, int bEnd)
        {
            if (aEnd - aStart != bEnd - bStart)
            {
                return false;
            }

            for (int i = 0; i < aEnd - aStart; i++)
            {
                if (a[aStart + i] != b[bStart + i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
