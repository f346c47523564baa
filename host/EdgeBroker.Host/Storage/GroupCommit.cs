using EdgeBroker.Core.Offline;
using Microsoft.Data.Sqlite;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// Group commit: the row changes of many callers written in one SQLite transaction, because a commit (not a row) is
/// what costs. A caller queues its change (<see cref="Queue"/>) and, when it needs it durable, either waits for it
/// (<see cref="CommitUpTo"/>: the first waiter takes the database's lock and commits everything queued so far; the
/// others queued meanwhile find their changes committed, or commit the next batch, when they get the lock) or hands it
/// over and goes on (<see cref="CommitLater"/>: one commit at a time runs on the thread pool, and whatever is queued
/// while it runs goes into the next, so a publisher whose PUBACK waits for its commit while its connection's next
/// PUBLISH is read puts many messages in one transaction). No timer delays a commit: a lone message commits alone.
/// Changes nobody waits for (deleting a message its receiver acknowledged) ride with the next batch, or are committed
/// after <see cref="UnawaitedDelayMs"/>; what they collect is bounded (<see cref="UnawaitedLimit"/>), and a transaction
/// holds one such change at most, so no transaction deletes more than that however far the commits fall behind.
/// </summary>
public sealed class GroupCommit : IDisposable
{
    /// <summary>How long a change nobody waits for may stay uncommitted. A crash in that time only means messages the
    /// receiver had acknowledged are delivered again, with DUP set.</summary>
    public const int UnawaitedDelayMs = 50;

    /// <summary>What a collecting change holds at most: full, it starts a commit at once rather than wait for the
    /// timer, and what is collected next starts a new change. Before, a change took everything collected until a
    /// commit took it: 10,733 deletions in one transaction while two interleaved backlogs of 50,000 drained.</summary>
    public const int UnawaitedLimit = SqliteDatabase.DeletedRowsPerTransaction;

    readonly SqliteDatabase _database;
    readonly object _queueSync = new();

    /// <summary>Commits the unawaited changes <see cref="UnawaitedDelayMs"/> after the first of them that no commit took.</summary>
    readonly DelayedFlush _unawaitedCommit;
    List<Change> _queued = [];
    List<Change> _batch = [];
    long _lastQueued;

    /// <summary>The sequence of the last change a commit took from the queue (under the queue's lock).</summary>
    long _lastTaken;
    long _lastSettled;
    bool _committing;
    bool _disposed;

    /// <summary>Completed (and replaced) each time a batch settles: what <see cref="WhenSettled"/> waits on.</summary>
    TaskCompletionSource _nextSettlement = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GroupCommit(SqliteDatabase database)
    {
        _database = database;
        _unawaitedCommit = new DelayedFlush(CommitQueued, TimeSpan.FromMilliseconds(UnawaitedDelayMs));
    }

    /// <summary>The database is closing: nothing more is committed (read under <see cref="SqliteDatabase.Sync"/>).</summary>
    public bool IsClosed => _disposed;

    /// <summary>Batches committed since start (Prometheus: <c>edgebroker_store_commits_total</c>).</summary>
    public long Batches { get; private set; }

    /// <summary>The row changes those batches held (<c>edgebroker_store_committed_changes_total</c>).</summary>
    public long Changes { get; private set; }

    /// <summary>Queues a change and returns its sequence number for <see cref="CommitUpTo"/>.</summary>
    public long Queue(Change change)
    {
        lock (_queueSync)
        {
            _queued.Add(change);
            change.Sequence = ++_lastQueued;
            return change.Sequence;
        }
    }

    /// <summary>Adds <paramref name="value"/> of <paramref name="key"/> (an acknowledged message of a client) to
    /// <paramref name="collecting"/> while it waits in the queue, or to a new change from <paramref name="start"/>, queued
    /// and left in <paramref name="collecting"/>: one unawaited change for everything collected between two commits,
    /// committed with the next batch or within <see cref="UnawaitedDelayMs"/>, at once when it holds
    /// <see cref="UnawaitedLimit"/> (what comes next starts a new change). Under the queue's lock, so nothing joins a
    /// change a commit has taken or that is full: what is collected after that goes into a later change, queued after
    /// the rows queued before it.</summary>
    public void Collect(ref CollectingChange? collecting, Func<CollectingChange> start, string key, long value)
    {
        bool commitNow;
        var started = false;
        lock (_queueSync)
        {
            if (collecting is null || collecting.Sequence <= _lastTaken || collecting.Count == UnawaitedLimit)
            {
                collecting = start();
                _queued.Add(collecting);
                collecting.Sequence = ++_lastQueued;
                started = true;
            }

            collecting.Add(key, value);
            commitNow = ++collecting.Count == UnawaitedLimit;
        }

        if (commitNow)
        {
            // Not on the caller's thread: that is a receiver's PUBACK being handled.
            CommitInBackground();
        }

        if (started)
        {
            _unawaitedCommit.Request();
        }
    }

    /// <summary>Hands <paramref name="changes"/> (queued, the caller's last ones) to a commit on the thread pool and
    /// returns what settles with them.</summary>
    public Pending CommitLater(IReadOnlyList<Change> changes)
    {
        var pending = new Pending(this, [.. changes]);
        CommitInBackground();
        return pending;
    }

    /// <summary>Starts the thread pool's commit loop unless it runs: it takes whatever is queued with its next batch.</summary>
    void CommitInBackground()
    {
        lock (_queueSync)
        {
            if (_committing)
            {
                return;
            }

            _committing = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static groupCommit => groupCommit.CommitUntilEmpty(), this, preferLocal: false);
    }

    /// <summary>Completes once every change up to <paramref name="sequence"/> is settled.</summary>
    public Task WhenSettled(long sequence, CancellationToken cancellationToken)
    {
        // Read before the check: a batch that settles after the check completes this very task.
        var settlement = Volatile.Read(ref _nextSettlement).Task;
        return IsSettled(sequence) ? Task.CompletedTask : WaitUntilSettled(sequence, settlement, cancellationToken);
    }

    bool IsSettled(long sequence) => Volatile.Read(ref _lastSettled) >= sequence;

    async Task WaitUntilSettled(long sequence, Task settlement, CancellationToken cancellationToken)
    {
        while (true)
        {
            await settlement.WaitAsync(cancellationToken).ConfigureAwait(false);
            settlement = Volatile.Read(ref _nextSettlement).Task;
            if (IsSettled(sequence))
            {
                return;
            }
        }
    }

    /// <summary>The thread pool's commit loop: commits batch after batch while changes are queued.</summary>
    void CommitUntilEmpty()
    {
        while (true)
        {
            CommitQueued();
            lock (_queueSync)
            {
                if (_queued.Count == 0 || _disposed)
                {
                    _committing = false;
                    return;
                }
            }
        }
    }

    /// <summary>Returns once every change up to <paramref name="sequence"/> is settled: committed, or failed (see
    /// <see cref="Change.Failed"/>).</summary>
    public void CommitUpTo(long sequence)
    {
        lock (_database.Sync)
        {
            if (_lastSettled < sequence)
            {
                CommitQueuedLocked();
            }
        }
    }

    /// <summary>Commits whatever is queued (nothing once disposed: the timer may fire while the database closes).</summary>
    public void CommitQueued()
    {
        lock (_database.Sync)
        {
            if (!_disposed)
            {
                CommitQueuedLocked();
            }
        }
    }

    /// <summary>Commits whatever is queued if any of it is awaited (a message's insert); the caller holds
    /// <see cref="SqliteDatabase.Sync"/>. For a read that needs the inserts queued before it and not the deletions
    /// (one from memory that no longer holds the acknowledged messages): those stay for their own commit on the thread
    /// pool, off the reader's path — a drain read a page every 256 messages and committed the acknowledgements
    /// collected meanwhile first, with <c>synchronous=FULL</c> an fsync on the drain's path each time.</summary>
    public void CommitAwaitedLocked()
    {
        lock (_queueSync)
        {
            if (!_queued.Exists(static change => change.IsAwaited))
            {
                return;
            }
        }

        CommitQueuedLocked();
    }

    /// <summary>Commits whatever is queued; the caller holds <see cref="SqliteDatabase.Sync"/> (reads call it first, so
    /// they see every change queued before them). One transaction, unless the queue holds more than one collecting
    /// change: then each transaction ends before the next of them.</summary>
    public void CommitQueuedLocked()
    {
        lock (_queueSync)
        {
            (_batch, _queued) = (_queued, _batch);
            if (_batch.Count > 0)
            {
                _lastTaken = _batch[^1].Sequence;
            }
        }

        try
        {
            for (var start = 0; start < _batch.Count;)
            {
                var end = TransactionEnd(start);
                CommitAndSettle(start, end);
                start = end;
            }
        }
        finally
        {
            _batch.Clear();
        }
    }

    /// <summary>Where the transaction of <see cref="_batch"/>'s changes from <paramref name="start"/> ends: before its
    /// second collecting change, or at the batch's end. A collecting change that was not taken by a commit was full
    /// when the next one started, so every row it deletes was queued before that one: in the same transaction.</summary>
    int TransactionEnd(int start)
    {
        var collecting = false;
        for (var i = start; i < _batch.Count; i++)
        {
            if (_batch[i] is CollectingChange)
            {
                if (collecting)
                {
                    return i;
                }

                collecting = true;
            }
        }

        return _batch.Count;
    }

    /// <summary>Commits <see cref="_batch"/>'s changes from <paramref name="start"/> to before <paramref name="end"/> in
    /// one transaction and settles them.</summary>
    void CommitAndSettle(int start, int end)
    {
        if (!TryCommit(start, end))
        {
            // The disk or MaxDatabaseBytes is full, or the disk failed the write: the whole transaction was rolled back.
            // What waits for it is refused (the publishers send again); deletions go on their own, since they are
            // what makes room again — on a full disk once the database has made room for them.
            var deletions = new List<Change>();
            for (var i = start; i < end; i++)
            {
                var change = _batch[i];
                change.Failed = change.IsAwaited;
                if (!change.IsAwaited)
                {
                    deletions.Add(change);
                }
            }

            _database.MakeRoom();
            if (deletions.Count > 0 && !TryCommit(deletions, 0, deletions.Count))
            {
                foreach (var change in deletions)
                {
                    Queue(change);
                }
            }
        }

        Volatile.Write(ref _lastSettled, _batch[end - 1].Sequence);
        Interlocked.Exchange(ref _nextSettlement, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    bool TryCommit(int start, int end) => TryCommit(_batch, start, end);

    bool TryCommit(List<Change> changes, int start, int end)
    {
        var begun = false;
        try
        {
            _database.BeginBatch();
            begun = true;
            for (var i = start; i < end; i++)
            {
                changes[i].Write();
            }

            for (var i = start; i < end; i++)
            {
                changes[i].WriteAfterBatch();
            }

            _database.CommitBatch();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or ObjectDisposedException)
        {
            // Whatever the cause (a full disk, a failed write, a closed database), nothing of the transaction is kept,
            // and the callers hear so rather than an exception on a publisher's thread or the timer's.
            if (begun)
            {
                _database.RollBackBatch();
            }

            for (var i = start; i < end; i++)
            {
                changes[i].RolledBack();
            }

            return false;
        }

        for (var i = start; i < end; i++)
        {
            changes[i].Committed();
        }

        _database.GrowIfRoom();
        Batches++;
        Changes += end - start;
        return true;
    }

    /// <summary>Stops the timer and commits what is still queued (a clean stop loses nothing acknowledged).</summary>
    public void Dispose()
    {
        _unawaitedCommit.Dispose();
        lock (_database.Sync)
        {
            CommitQueuedLocked();
            _disposed = true;
        }
    }

    /// <summary>Changes handed to <see cref="CommitLater"/>: settled once the batch holding the last of them has been
    /// committed or rolled back.</summary>
    public sealed class Pending(GroupCommit groupCommit, Change[] changes) : PendingCommit
    {
        readonly long _sequence = changes[^1].Sequence;

        public override bool IsSettled => groupCommit.IsSettled(_sequence);

        public override bool Committed => IsSettled && Array.TrueForAll(changes, change => !change.Failed);

        /// <summary>Completes once settled; cancelled with <paramref name="cancellationToken"/>.</summary>
        public Task WhenSettled(CancellationToken cancellationToken) => groupCommit.WhenSettled(_sequence, cancellationToken);
    }

    /// <summary>An unawaited change that collects work (the deletions of acknowledged messages) while it waits in the
    /// queue (<see cref="Collect"/>).</summary>
    public abstract class CollectingChange : Change
    {
        public override bool IsAwaited => false;

        /// <summary>How many it holds (at most <see cref="UnawaitedLimit"/>; counted by <see cref="Collect"/>).</summary>
        public int Count { get; internal set; }

        /// <summary>Adds one more, under the queue's lock.</summary>
        public abstract void Add(string key, long value);
    }

    /// <summary>One row change waiting for a batch.</summary>
    public abstract class Change
    {
        /// <summary>Its place in the queue (set by <see cref="GroupCommit.Queue"/>).</summary>
        public long Sequence { get; set; }

        /// <summary>Someone waits for it (<see cref="CommitUpTo"/>) and must hear if it failed; unawaited changes are
        /// deletions, retried rather than failed.</summary>
        public abstract bool IsAwaited { get; }

        /// <summary>Its batch was rolled back because the store could not write; it is not kept.</summary>
        public bool Failed { get; set; }

        /// <summary>Runs in the same transaction once every change of the batch is written, for what depends on
        /// changes queued after this one (a deletion collected after its row's insert was queued).</summary>
        public virtual void WriteAfterBatch()
        {
        }

        /// <summary>Writes the row in the batch's transaction (<see cref="SqliteDatabase.BeginBatch"/>), with a prepared
        /// statement of its owner.</summary>
        public abstract void Write();

        /// <summary>Its batch is committed.</summary>
        public virtual void Committed()
        {
        }

        /// <summary>Its batch was rolled back: undo what <see cref="Write"/> counted.</summary>
        public virtual void RolledBack()
        {
        }
    }
}
