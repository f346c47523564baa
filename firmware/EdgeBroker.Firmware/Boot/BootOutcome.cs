namespace EdgeBroker.Firmware.Boot
{
    /// <summary>What the boot arrived at: the storage root to open the gateway on, or why the device must restart
    /// (a restart may mend it) or halt (only an operator can).</summary>
    public sealed class BootOutcome
    {
        public string Root;
        public string RestartReason;
        public string HaltReason;

        /// <summary>Whether the wall clock was set (SNTP) when the boot finished.</summary>
        public bool ClockValid;
    }
}
