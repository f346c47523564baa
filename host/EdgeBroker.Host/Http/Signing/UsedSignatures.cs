namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// The signatures of the state-changing requests accepted lately, each kept until its timestamp leaves the window
/// (<see cref="SignedRequestVerifier.MaxClockSkew"/>), so a captured request cannot be sent again while its timestamp
/// would still pass — after that the timestamp check refuses it. At most <paramref name="capacity"/> are kept: when
/// that many are, further changes are refused until the oldest expire, rather than memory growing with the request
/// rate. Only verified requests are remembered, so only holders of an access key can fill it.
/// </summary>
sealed class UsedSignatures(int capacity)
{
    readonly object _sync = new();
    readonly HashSet<string> _remembered = new(StringComparer.Ordinal);
    readonly PriorityQueue<string, long> _byExpiry = new();

    /// <summary>Remembers <paramref name="signature"/> until <paramref name="expiresAtMs"/> (Unix ms), or says why the
    /// request must be refused: it was used already, or the memory is full.</summary>
    public ApiError? Remember(string signature, long expiresAtMs, long nowMs)
    {
        lock (_sync)
        {
            Forget(nowMs);
            if (_remembered.Contains(signature))
            {
                return ApiError.Replayed();
            }

            if (_byExpiry.Count >= capacity)
            {
                _byExpiry.TryPeek(out _, out var soonest);
                return ApiError.ReplayMemoryFull(capacity, TimeSpan.FromMilliseconds(soonest - nowMs + 1));
            }

            _remembered.Add(signature);
            _byExpiry.Enqueue(signature, expiresAtMs);
            return null;
        }
    }

    /// <summary>Drops the signatures whose timestamps have left the window by <paramref name="nowMs"/>.</summary>
    void Forget(long nowMs)
    {
        while (_byExpiry.TryPeek(out var signature, out var expiresAtMs) && expiresAtMs < nowMs)
        {
            _byExpiry.Dequeue();
            _remembered.Remove(signature);
        }
    }
}
