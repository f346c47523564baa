namespace EdgeBroker.Core.Text
{
    /// <summary>The replacement for <paramref name="c"/>, or null to keep it as it is.</summary>
    public delegate string CharacterEscape(char c);

    /// <summary>Replaces single characters in text the broker does not control (client IDs in JSON and in topic
    /// levels).</summary>
    public static class CharacterEscaping
    {
        /// <summary><paramref name="text"/> with every character <paramref name="escapeOf"/> replaces replaced. Text
        /// that needs nothing (the usual case) is returned as is, without building anything.</summary>
        public static string Apply(string text, CharacterEscape escapeOf)
        {
            string escaped = string.Empty;
            int unchangedFrom = 0;
            for (int i = 0; i < text.Length; i++)
            {
                string replacement = escapeOf(text[i]);
                if (replacement == null)
                {
                    continue;
                }

                escaped = escaped + text.Substring(unchangedFrom, i - unchangedFrom) + replacement;
                unchangedFrom = i + 1;
            }

            return unchangedFrom == 0 ? text : escaped + text.Substring(unchangedFrom, text.Length - unchangedFrom);
        }
    }
}
