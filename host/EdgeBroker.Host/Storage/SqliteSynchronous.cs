namespace EdgeBroker.Host.Storage;

/// <summary>When a committed transaction reaches the disk: SQLite's <c>PRAGMA synchronous</c> in WAL mode.</summary>
public enum SqliteSynchronous
{
    /// <summary>The WAL is synced at checkpoints only: a commit survives the broker's crash (kill -9), and a power loss
    /// or OS crash may take back the last commits. The default.</summary>
    Normal,

    /// <summary>The WAL is synced on every commit: a commit survives a power loss too. Costs an fsync per group commit.</summary>
    Full,
}
