namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What a crash case produced: how many messages the publishers had been acknowledged when the broker was
/// killed, and how many of those the receiver got after the restart.</summary>
/// <param name="Acknowledged">Messages whose PUBACK the publishers received before the kill.</param>
/// <param name="Lost">Acknowledged messages the receiver never got after the restart.</param>
/// <param name="SessionPresent">The restarted broker still knew the receiver's persistent session.</param>
/// <param name="Duplicates">Messages the receiver got more than once (allowed at QoS 1, counted for the record).</param>
/// <param name="Unacknowledged">Messages delivered after the restart that the publisher never saw acknowledged (in
/// flight at the kill; allowed).</param>
/// <param name="Completed">Every acknowledged message arrived; false when delivery stalled first.</param>
public sealed record CrashMeasurement(int Acknowledged, int Lost, bool SessionPresent, int Duplicates, int Unacknowledged, bool Completed)
{
    /// <summary>The share of acknowledged messages lost.</summary>
    public double LostShare => Acknowledged > 0 ? (double)Lost / Acknowledged : 0;
}
