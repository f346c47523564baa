namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// The order retained topics are kept in: ordinal, over UTF-16 code units. Every topic that starts with a given
    /// text then lies in one run, which a binary search finds — so a filter is matched only against the topics its
    /// text before the first wildcard selects. Compares slices (the start of a filter) without allocating substrings.
    /// </summary>
    internal static class TopicOrder
    {
        /// <summary>Compares <paramref name="a"/>[0, aLength) with <paramref name="b"/>[0, bLength) ordinally: below 0
        /// when a comes first, 0 when equal.</summary>
        public static int Compare(string a, int aLength, string b, int bLength)
        {
            int shorter = aLength < bLength ? aLength : bLength;
            for (int i = 0; i < shorter; i++)
            {
                int difference = a[i] - b[i];
                if (difference != 0)
                {
                    return difference;
                }
            }

            return aLength - bLength;
        }

        /// <summary>Whether <paramref name="text"/> starts with <paramref name="start"/>[0, startLength).</summary>
        public static bool StartsWith(string text, string start, int startLength)
        {
            if (text.Length < startLength)
            {
                return false;
            }

            for (int i = 0; i < startLength; i++)
            {
                if (text[i] != start[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Puts the first <paramref name="count"/> entries of <paramref name="order"/> — indexes into the parallel
        /// <paramref name="texts"/>, <paramref name="lengths"/> and <paramref name="ranks"/> — in the order of the slices
        /// they name, then of their rank, then of the whole texts; equal ones keep their order (a merge sort: n log n,
        /// also for a SUBSCRIBE of tens of thousands of filters or a retained set loaded at start).
        /// </summary>
        /// <param name="ranks">The second key; null for none.</param>
        public static void Sort(int[] order, int count, string[] texts, int[] lengths, int[] ranks)
        {
            int[] from = order;
            int[] to = new int[count];
            for (int width = 1; width < count; width *= 2)
            {
                for (int left = 0; left < count; left += 2 * width)
                {
                    int middle = left + width < count ? left + width : count;
                    int right = left + 2 * width < count ? left + 2 * width : count;
                    int a = left;
                    int b = middle;
                    int into = left;
                    while (a < middle && b < right)
                    {
                        to[into++] = CompareAt(from[b], from[a], texts, lengths, ranks) < 0 ? from[b++] : from[a++];
                    }

                    while (a < middle)
                    {
                        to[into++] = from[a++];
                    }

                    while (b < right)
                    {
                        to[into++] = from[b++];
                    }
                }

                int[] swap = from;
                from = to;
                to = swap;
            }

            if (from != order)
            {
                System.Array.Copy(from, 0, order, 0, count);
            }
        }

        /// <summary>The order <see cref="Sort"/> puts entries <paramref name="x"/> and <paramref name="y"/> in.</summary>
        public static int CompareAt(int x, int y, string[] texts, int[] lengths, int[] ranks)
        {
            int compared = Compare(texts[x], lengths[x], texts[y], lengths[y]);
            if (compared == 0 && ranks != null)
            {
                compared = ranks[x] - ranks[y];
            }

            return compared != 0 ? compared : Compare(texts[x], texts[x].Length, texts[y], texts[y].Length);
        }
    }
}
