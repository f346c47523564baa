using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Load;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// The opt-in per-message log of a load case's fixed-rate phase (<c>--message-log DIR</c>), written once the phase is
/// over and while its connections are still open. It is what lets <c>tail/split-latency.py</c> follow every message
/// through a kernel trace taken at the same time (<c>tail/trace-latency.sh</c>, docs/performance.md) without touching
/// either broker's code: the stamps are Stopwatch timestamps, which on Linux are <c>CLOCK_MONOTONIC</c> nanoseconds, the
/// clock of ftrace's <c>mono</c> trace clock; the sockets say which file descriptor in which process carries which
/// pair's bytes; the threads name every task of both processes. Three CSV files per case, named after it:
/// <list type="bullet">
/// <item><c>CASE.messages.csv</c>: pair, sequence, sent_ns, received_ns — every message that arrived.</item>
/// <item><c>CASE.sockets.csv</c>: process (harness or broker), client (the load client's ID; empty for the broker),
/// fd, local_port, remote_port — the load clients' sockets and the broker's TCP sockets.</item>
/// <item><c>CASE.threads.csv</c>: process, pid, tid, comm.</item>
/// </list>
/// </summary>
public static class MessageLog
{
    public static void Write(DirectoryInfo directory, BenchmarkCase @case, BrokerProcess broker, IReadOnlyList<PhaseTally> tallies)
    {
        directory.Create();
        var path = Path.Combine(directory.FullName, @case.Id);
        WriteLines(path + ".messages.csv", "pair,sequence,sent_ns,received_ns", Messages(tallies));
        WriteLines(path + ".sockets.csv", "process,client,fd,local_port,remote_port", Sockets(tallies, broker));
        WriteLines(path + ".threads.csv", "process,pid,tid,comm",
            Threads("harness", Environment.ProcessId).Concat(Threads("broker", broker.ProcessId)));
    }

    static IEnumerable<string> Messages(IReadOnlyList<PhaseTally> tallies)
    {
        foreach (var tally in tallies)
        {
            var stamps = tally.Stamps ?? throw new InvalidOperationException("The phase kept no message stamps.");
            for (var sequence = 0; sequence < stamps.Capacity; sequence++)
            {
                var (sent, received) = stamps[sequence];
                if (received != 0)
                {
                    yield return Invariant($"{tally.Pair},{sequence},{Nanoseconds(sent)},{Nanoseconds(received)}");
                }
            }
        }
    }

    static IEnumerable<string> Sockets(IReadOnlyList<PhaseTally> tallies, BrokerProcess broker)
    {
        foreach (var clientId in tallies.SelectMany(t => new[] { BenchmarkCase.PublisherClientId(t.Pair), BenchmarkCase.ReceiverClientId(t.Pair) }))
        {
            if (ClientSockets.Find(clientId) is { } socket)
            {
                yield return Invariant($"harness,{clientId},{socket.FileDescriptor},{socket.LocalPort},{broker.Port}");
            }
        }

        var ports = TcpPortsByInode(broker.ProcessId);
        foreach (var link in Directory.EnumerateFileSystemEntries($"/proc/{broker.ProcessId}/fd"))
        {
            if (File.ResolveLinkTarget(link, returnFinalTarget: false)?.FullName is { } target
                && target.Contains("socket:[", StringComparison.Ordinal)
                && ports.TryGetValue(target[(target.IndexOf('[') + 1)..^1], out var endPoints))
            {
                yield return Invariant($"broker,,{Path.GetFileName(link)},{endPoints.Local},{endPoints.Remote}");
            }
        }
    }

    /// <summary>Local and remote port of every IPv4 TCP socket in the process's network namespace, by inode.</summary>
    static Dictionary<string, (int Local, int Remote)> TcpPortsByInode(int processId)
    {
        static int Port(string address) => int.Parse(address[(address.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

        var ports = new Dictionary<string, (int, int)>();
        foreach (var line in File.ReadLines($"/proc/{processId}/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ports[fields[9]] = (Port(fields[1]), Port(fields[2]));
        }

        return ports;
    }

    static IEnumerable<string> Threads(string process, int processId)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
        {
            string comm;
            try
            {
                comm = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n').Replace(',', ' ');
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            yield return Invariant($"{process},{processId},{Path.GetFileName(task)},{comm}");
        }
    }

    static long Nanoseconds(long stopwatchTicks) =>
        Stopwatch.Frequency == 1_000_000_000 ? stopwatchTicks : (long)(stopwatchTicks * (1e9 / Stopwatch.Frequency));

    static void WriteLines(string path, string header, IEnumerable<string> lines) => File.WriteAllLines(path, lines.Prepend(header));

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
