namespace EdgeBroker.Core.Text
{
    /// <summary>Items of a list kept as one string with a separator (<c>a,b,c</c>, a path <c>gw-a/gw-x</c>), looked up
    /// without splitting it into an array first.</summary>
    public static class SeparatedList
    {
        /// <summary>The position of <paramref name="item"/> among the items of <paramref name="list"/> separated by
        /// <paramref name="separator"/>, or -1.</summary>
        public static int IndexOf(string list, char separator, string item)
        {
            int index = 0;
            int start = 0;
            while (start <= list.Length)
            {
                int end = list.IndexOf(separator, start);
                if (end < 0)
                {
                    end = list.Length;
                }

                if (end - start == item.Length && list.Substring(start, end - start) == item)
                {
                    return index;
                }

                index++;
                start = end + 1;
            }

            return -1;
        }
    }
}
