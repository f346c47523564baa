using System.Collections;
using BenchmarkDotNet.Attributes;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>
/// BenchmarkDotNet benchmarks of one durable offline store, through the core's <see cref="IOfflineStore"/> exactly as
/// the broker calls it, one client's messages with 64-byte payloads: <see cref="Write"/> appends and commits
/// <see cref="MessagesPerCommit"/> messages at a time (durable before the commit returns, as before a PUBACK; the SQLite
/// store's group commit puts the messages of publishers waiting at the same time into one transaction),
/// <see cref="Read"/> loads the client's whole backlog in one call (what a reconnect does with batching off) and
/// <see cref="Remove"/> forgets each message as its acknowledgement would.
/// Every iteration starts from a new store in a new temporary directory, so no iteration inherits another's file
/// or page cache state beyond what the disk and OS keep.
/// </summary>
public abstract class StoreBenchmarks
{
    /// <summary>Messages per iteration. The flash log's device default bound (64 KB, less 4 KB kept for sessions)
    /// holds about 400 of these messages; 256 leaves it room, and both stores run the same count.</summary>
    public const int MessagesPerIteration = 256;

    /// <summary>Messages per commit: what the broker's group commit measured with 8 publishers storing for one away
    /// receiver (9–10 per transaction, docs/performance.md, "Durable QoS 1").</summary>
    public const int MessagesPerCommit = 8;

    public const int PayloadSize = 64;
    const string ClientId = "recv-0";
    const string Topic = "bench/p2p/recv-0";
    const string Sender = "pub-0";
    const long DayMs = 24L * 3600 * 1000;

    readonly long[] _ids = new long[MessagesPerIteration];
    readonly ArrayList _loaded = new(MessagesPerIteration);
    readonly RoutedMessage _message;
    DirectoryInfo? _directory;
    IOfflineStore? _store;

    protected StoreBenchmarks()
    {
        _message = new RoutedMessage(Topic, new byte[PayloadSize], 1, false) { SenderClientId = Sender, PublishedAtMs = NowMs() };
    }

    /// <summary>The per-client limits the store enforces: the broker's defaults, which every iteration stays under.</summary>
    protected static OfflineLimits Limits { get; } = new();

    [IterationSetup(Target = nameof(Write))]
    public void OpenEmptyStore() => OpenNewStore();

    [IterationSetup(Targets = [nameof(Read), nameof(Remove)])]
    public void OpenFilledStore()
    {
        OpenNewStore();
        AppendAll();
    }

    [IterationCleanup]
    public void DeleteStore()
    {
        Close();
        _directory?.Delete(recursive: true);
        _directory = null;
        _store = null;
    }

    [Benchmark(OperationsPerInvoke = MessagesPerIteration)]
    public void Write() => AppendAll();

    [Benchmark(OperationsPerInvoke = MessagesPerIteration)]
    public int Read()
    {
        _loaded.Clear();
        var count = Store.Read(ClientId, 0, int.MaxValue, NowMs(), _loaded);
        return count == MessagesPerIteration ? count : throw new InvalidOperationException($"Read {count} of {MessagesPerIteration} stored messages.");
    }

    [Benchmark(OperationsPerInvoke = MessagesPerIteration)]
    public void Remove()
    {
        foreach (var id in _ids)
        {
            Store.Remove(ClientId, id);
        }

        if (Store.Count(ClientId) != 0)
        {
            throw new InvalidOperationException($"{Store.Count(ClientId)} messages are left after removing all of them.");
        }
    }

    /// <summary>Opens the store in <paramref name="directory"/> (new and empty).</summary>
    protected abstract IOfflineStore Open(string directory);

    /// <summary>Closes what <see cref="Open"/> opened.</summary>
    protected abstract void Close();

    IOfflineStore Store => _store ?? throw new InvalidOperationException("No store is open.");

    void OpenNewStore()
    {
        _directory = Directory.CreateTempSubdirectory("edgebroker-store-");
        _store = Open(_directory.FullName);
    }

    void AppendAll()
    {
        var expiresAtMs = NowMs() + DayMs;
        for (var i = 0; i < _ids.Length; i++)
        {
            var id = Store.Append(ClientId, _message, 1, false, null, expiresAtMs);
            _ids[i] = id > 0 ? id : throw new InvalidOperationException($"The store refused message {i + 1} of {MessagesPerIteration}.");
            if ((i + 1) % MessagesPerCommit == 0 && !Store.Commit())
            {
                throw new InvalidOperationException($"The store could not commit message {i + 1} of {MessagesPerIteration}.");
            }
        }
    }

    static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
