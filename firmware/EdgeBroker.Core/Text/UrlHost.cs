namespace EdgeBroker.Core.Text
{
    /// <summary>A host as a URL and a <c>host:port</c> write it: an IPv6 address in brackets (<c>mqtt://[::1]:1883</c>),
    /// since its own colons would run into the port's, and a name or IPv4 address as it is. Every line that shows an
    /// address with its port (the listeners' start-up lines, a port that cannot be used, an upstream) writes it here.</summary>
    public static class UrlHost
    {
        /// <summary><paramref name="host"/> bracketed when it is an IPv6 address (the only kind with a colon).</summary>
        public static string Of(string host)
        {
            return host.IndexOf(':') >= 0 ? "[" + host + "]" : host;
        }

        /// <summary><paramref name="host"/> and <paramref name="port"/> as <c>host:port</c> (<c>[::1]:1883</c>).</summary>
        public static string WithPort(string host, int port)
        {
            return Of(host) + ":" + ((long)port).ToString();
        }
    }
}
