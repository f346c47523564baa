namespace EdgeBroker.Core.Security
{
    /// <summary>How failed logins from one address are slowed and then refused (see <see cref="LoginThrottle"/>).</summary>
    public sealed class LoginThrottleOptions
    {
        public LoginThrottleOptions()
        {
            FailureWindowMs = 60000;
            FailuresBeforeDelay = 3;
            DelayMs = 1000;
            FailuresBeforeLockout = 10;
            LockoutMs = 300000;
            MaxTrackedAddresses = 1024;
        }

        /// <summary>Failures older than this are forgotten.</summary>
        public long FailureWindowMs { get; set; }

        /// <summary>From this many failures in the window on, every answer to the address waits <see cref="DelayMs"/>.</summary>
        public int FailuresBeforeDelay { get; set; }

        public int DelayMs { get; set; }

        /// <summary>This many failures in the window lock the address out for <see cref="LockoutMs"/>; 0 never locks.</summary>
        public int FailuresBeforeLockout { get; set; }

        public long LockoutMs { get; set; }

        /// <summary>Bounds the memory spent on tracking; the device sets it low. When full, the least recently
        /// seen address that is not locked out is forgotten.</summary>
        public int MaxTrackedAddresses { get; set; }
    }
}
