namespace EdgeBroker.Host;

/// <summary>Process exit codes, so scripts and service managers can tell failures apart.</summary>
static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A configuration mistake, wherever it was made: an unknown or misplaced flag, a flag value, a setting or
    /// settings file that is invalid, or a configured certificate that cannot be loaded; the message says which.</summary>
    public const int InvalidSettings = 2;

    /// <summary>A listener could not bind (port in use, address not on this machine).</summary>
    public const int CannotListen = 3;

    /// <summary>The data store cannot be used (its directory not writable or in use by another broker, the database
    /// unreadable, damaged or from a newer version); the message says what to do.</summary>
    public const int StoreUnavailable = 4;

    /// <summary>An administration command reached the broker, which refused the request; the printed answer says why.</summary>
    public const int RequestRefused = 5;

    /// <summary>An administration command could not reach the broker's HTTP API, or got an answer that is not the API's.</summary>
    public const int BrokerUnreachable = 6;
}
