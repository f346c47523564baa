namespace EdgeBroker.Core.Offline
{
    /// <summary>What <see cref="IOfflineStore.Append"/> returns instead of an id (&gt; 0) when it kept nothing.</summary>
    public static class AppendResult
    {
        /// <summary>The client's quota (<see cref="OfflineLimits"/>) is full: this message is refused, the kept ones stay.</summary>
        public const long QuotaFull = 0;

        /// <summary>The store cannot write at all just now (disk or flash log full, write error): nothing was kept and
        /// nothing already kept was lost. The store writes again once it has room; the core refuses the PUBLISH meanwhile.</summary>
        public const long StoreUnavailable = -1;
    }
}
