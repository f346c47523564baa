namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The one rule for credentials bounded by a wall-clock date — a token's expiry, a signed request's timestamp — while
    /// the broker does not know the time. Until SNTP first answers, the device's <see cref="Clock.NowMs"/> is the uptime
    /// (below <see cref="Clock.EarliestValidMs"/>), against which such a date says nothing: a token that expired last
    /// year would pass for decades, a request signed a minute ago would lie 56 years ahead. A window of acceptance cannot
    /// help, as it needs the very time that is missing, and accepting unjudged would hand anyone with an old token or a
    /// captured request the broker until the first sync. So each is refused with <see cref="ClockNotSetReason"/> — a
    /// Token-mode CONNECT (<see cref="AuthOutcome.ClockNotSet"/>: "server unavailable", worth retrying), a token upload,
    /// issuing a token, the host's signed HTTP requests — and accepted as soon as the clock is set. Credentials that
    /// carry no date keep working: Signature, Device, the password file, anonymous, and pairing (its window is timed on
    /// the interval clock). See docs/security.md, "Before the clock is set".
    /// </summary>
    public static class TimeBoundCredentials
    {
        /// <summary>Why a time-bounded credential was refused while the clock is not set; for logs and answers.</summary>
        public const string ClockNotSetReason = "the broker's clock is not set yet (no time server has answered since start-up), "
            + "so the date a token or a signed request carries cannot be judged; try again once it is";

        /// <summary>Whether a time-bounded credential can be judged at <paramref name="nowMs"/> (<see cref="Clock.NowMs"/>,
        /// or an engine's own reading of the wall clock): only a set clock's time can.</summary>
        public static bool CanBeJudgedAt(long nowMs)
        {
            return Clock.IsValid(nowMs);
        }
    }
}
