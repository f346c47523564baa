using System.Collections;

namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// The "did you mean …?" of a configuration error: the known name closest to a mistyped one by edit distance
    /// (insertions, deletions, substitutions; letter case ignored, as configuration keys often are), when it is close
    /// enough to be the likely intent. Both engines' configuration checks use it, so they suggest alike.
    /// </summary>
    public static class NearestName
    {
        /// <summary>The string in <paramref name="candidates"/> closest to <paramref name="name"/>, or null when none
        /// is within a third of the name's length (at least 2 edits), which would be a guess rather than a typo.</summary>
        public static string Find(string name, ArrayList candidates)
        {
            string lowered = name.ToLower();
            int allowed = name.Length / 3 > 2 ? name.Length / 3 : 2;
            string best = null;
            int bestDistance = allowed + 1;
            for (int i = 0; i < candidates.Count; i++)
            {
                string candidate = (string)candidates[i];
                int distance = Distance(lowered, candidate.ToLower());
                if (distance < bestDistance)
                {
                    best = candidate;
                    bestDistance = distance;
                }
            }

            return best;
        }

        /// <summary>Levenshtein distance, two rows at a time.</summary>
        static int Distance(string a, string b)
        {
            int[] previous = new int[b.Length + 1];
            int[] current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    int deletion = previous[j] + 1;
                    int insertion = current[j - 1] + 1;
                    int smallest = substitution < deletion ? substitution : deletion;
                    current[j] = smallest < insertion ? smallest : insertion;
                }

                int[] swap = previous;
                previous = current;
                current = swap;
            }

            return previous[b.Length];
        }
    }
}
