using System.Collections;

namespace EdgeBroker.Core.Text
{
    /// <summary>Splits the text of a configuration file into lines, for the parsers of the settings, acl and password
    /// files.</summary>
    public static class TextLines
    {
        /// <summary>The lines of <paramref name="text"/>, trimmed (so <c>\r\n</c> line ends and indentation do not
        /// matter), in order: line N is at index N - 1.</summary>
        public static ArrayList Split(string text)
        {
            ArrayList lines = new ArrayList();
            int start = 0;
            while (start <= text.Length)
            {
                int end = text.IndexOf('\n', start);
                if (end < 0)
                {
                    end = text.Length;
                }

                lines.Add(text.Substring(start, end - start).Trim());
                start = end + 1;
            }

            return lines;
        }
    }
}
