#!/usr/bin/env python3
"""Splits every fixed-rate message's latency by where it went, from the files trace-latency.sh leaves per case.

    split-latency.py DIR CASE [CASE...]       prints one Markdown section per case

A message is followed through six stamps: the harness's send stamp (S), the exit of the publisher's send system call
whose bytes complete it (A: from then on its bytes are in the broker's socket; loopback delivers inside that call), the
entry of the broker's read that takes its last byte (B), the exit of the broker's write that completes it to the
receiver (C), the exit of the receiver's read that takes its last byte (D) and the harness's receive stamp (R). Which
call carries which message is found by counting bytes: a pair's publisher writes only its PUBLISH packets on its
socket, all of one size, and the broker writes only that pair's PUBLISH packets to the receiver, so the k-th message
ends at k+1 times the packet size in each stream. Each interval is then split by what the thread that ended it was
doing meanwhile (scheduler switches and wake-ups): running (busy, with earlier packets or anything else), waiting
for a core it had been woken or preempted on (and who had that core: the same process's other threads, the other
process of the pair, other processes, or nobody), asleep, or asleep until a wake-up queued to an idle core was done
there (the kernel reports such a wake-up from that core's idle task; on a VM it waits for the hypervisor to run the
halted virtual CPU again). It also counts, for the slowest 1 %, how many other processes delayed, and gives the p50
and p99 of the messages they did not.
"""
import bisect
import collections
import csv
import re
import sys

LINE = re.compile(r'^\s*(.+?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+\S+\s+(\d+)\.(\d+): (.*)$')
SWITCH = re.compile(r'prev_comm=(.*) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio')
WAKE = re.compile(r'comm=(.*) pid=(\d+) prio=\d+ target_cpu=(\d+)')
MIGRATE = re.compile(r'comm=(.*) pid=(\d+) prio=\d+ orig_cpu=(\d+) dest_cpu=(\d+)')
ENTER = re.compile(r'sys_(\w+)\(fd: (?:0x)?([0-9a-f]+)(?:.*flags: (?:0x)?([0-9a-f]+))?')
MSG_PEEK = 2  # a read that leaves the bytes in the socket: not the read that takes them
EXIT = re.compile(r'sys_(\w+) -> 0x([0-9a-f]+)')
READS = {'read', 'recvfrom', 'recvmsg'}
OTHERS_NEGLIGIBLE = 10  # µs
WRITES = {'write', 'sendto', 'sendmsg'}
SEGMENTS = [
    ('publisher: stamp to its send done', 'S', 'A'),
    ('broker: bytes there, not yet read', 'A', 'B'),
    ("broker: read to the receiver's write done", 'B', 'C'),
    ('receiver: written, not yet read', 'C', 'D'),
    ('receiver: read to receive stamp', 'D', 'R'),
]


def microseconds(seconds, fraction):
    return int(seconds) * 1_000_000 + int(fraction)


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


class Scheduler:
    """Per-thread state intervals and per-core occupancy from the machine-wide scheduler trace."""

    def __init__(self, path):
        self.cpu_times = collections.defaultdict(list)   # cpu -> switch times
        self.cpu_tasks = collections.defaultdict(list)   # cpu -> (tid, comm) running from that time
        self.states = collections.defaultdict(list)      # tid -> [(start, state, cpu)]; state: run, wait, sleep
        self.first = self.last = None
        with open(path, errors='replace') as f:
            for line in f:
                m = LINE.match(line)
                if not m:
                    continue
                cpu, t = int(m.group(4)), microseconds(m.group(5), m.group(6))
                event, _, rest = m.group(7).partition(': ')
                self.first = t if self.first is None else self.first
                self.last = t
                if event == 'sched_switch':
                    s = SWITCH.match(rest)
                    prev, state, nxt = int(s.group(2)), s.group(3), int(s.group(5))
                    self.cpu_times[cpu].append(t)
                    self.cpu_tasks[cpu].append((nxt, s.group(4)))
                    if prev:
                        self.states[prev].append((t, 'wait' if state.startswith('R') else 'sleep', cpu, None))
                    if nxt:
                        self.states[nxt].append((t, 'run', cpu, None))
                elif event == 'sched_wakeup':
                    s = WAKE.match(rest)
                    # Reported by the idle task: the wake-up was queued to a core that was idle and done there once
                    # that core woke (on a VM, once the hypervisor ran the halted virtual CPU again).
                    waker = 'idle' if m.group(2) == '0' else 'task'
                    self.states[int(s.group(2))].append((t, 'wait', int(s.group(3)), waker))
                elif event == 'sched_migrate_task':
                    s = MIGRATE.match(rest)
                    tid = int(s.group(2))
                    if self.states[tid] and self.states[tid][-1][1] == 'wait':
                        self.states[tid].append((t, 'wait', int(s.group(4)), None))
        self.starts = {tid: [s[0] for s in states] for tid, states in self.states.items()}

    def occupants(self, cpu, start, end):
        """(tid, comm, microseconds) of what ran on cpu between start and end."""
        times, tasks = self.cpu_times[cpu], self.cpu_tasks[cpu]
        i = max(bisect.bisect_right(times, start) - 1, 0)
        while i < len(times) and times[i] < end:
            lo, hi = max(times[i], start), min(times[i + 1] if i + 1 < len(times) else end, end)
            if hi > lo:
                yield tasks[i][0], tasks[i][1], hi - lo
            i += 1

    def split(self, tid, start, end):
        """Time tid spent running, waiting for a core (by whom it was taken) and asleep between start and end."""
        result = collections.Counter()
        states, starts = self.states.get(tid), self.starts.get(tid)
        if not states or end <= start:
            return result
        i = bisect.bisect_right(starts, start) - 1
        if i < 0:
            result['unknown'] += min(end, starts[0]) - start
            i = 0
        while i < len(states) and states[i][0] < end:
            lo, hi = max(states[i][0], start), min(states[i + 1][0] if i + 1 < len(states) else end, end)
            if hi > lo:
                state, cpu = states[i][1], states[i][2]
                if state == 'wait':
                    for other, comm, span in self.occupants(cpu, lo, hi):
                        result[('wait', other, comm)] += span
                elif state == 'sleep' and i + 1 < len(states) and states[i + 1][3] == 'idle':
                    result['sleep, woken late'] += hi - lo
                else:
                    result[state] += hi - lo
            i += 1
        return result


class Calls:
    """Completed system calls on sockets: per (tgid, fd) the calls in order, with the bytes moved."""

    def __init__(self, path):
        self.by_fd = collections.defaultdict(list)   # (tgid, fd) -> [(enter, exit, bytes, tid)]
        pending = {}
        with open(path, errors='replace') as f:
            for line in f:
                m = LINE.match(line)
                if not m:
                    continue
                tid, tgid, t, rest = int(m.group(2)), m.group(3), microseconds(m.group(5), m.group(6)), m.group(7)
                if ' -> ' not in rest:
                    e = ENTER.match(rest)
                    peek = e and e.group(1) in READS and e.group(3) and int(e.group(3), 16) & MSG_PEEK
                    if e and (e.group(1) in READS or e.group(1) in WRITES) and not peek:
                        pending[tid] = (e.group(1), int(e.group(2), 16), t)
                    else:
                        pending.pop(tid, None)
                    continue
                x = EXIT.match(rest)
                if not x or tid not in pending:
                    continue
                call, fd, enter = pending.pop(tid)
                if call != x.group(1):
                    continue
                moved = int(x.group(2), 16)
                if moved >= 1 << 63 or moved == 0:
                    continue
                direction = 'in' if call in READS else 'out'
                self.by_fd[(int(tgid), fd, direction)].append((enter, t, moved, tid))

    def stream(self, tgid, fd, direction):
        calls = self.by_fd.get((tgid, fd, direction), [])
        ends, total = [], 0
        for call in calls:
            total += call[2]
            ends.append(total)
        return calls, ends


def locate(calls, ends, packet, k):
    """The call that moved the last byte of the k-th packet of a stream of equal packets."""
    i = bisect.bisect_left(ends, (k + 1) * packet)
    return calls[i] if i < len(calls) else None


def category(tid, comm, threads):
    if tid == 0:
        return 'nobody (idle core: the wake-up itself)'
    if tid in threads:
        process, name = threads[tid]
        return f'{process}: {name or comm}'
    return f'other processes: {comm}'


def analyse(directory, case):
    base = f'{directory}/{case}'
    messages = read_csv(base + '.messages.csv')
    sockets = read_csv(base + '.sockets.csv')
    threads_rows = read_csv(base + '.threads.csv')
    pids = {r['process']: int(r['pid']) for r in threads_rows}
    threads = {int(r['tid']): (r['process'], r['comm'].strip()) for r in threads_rows}
    # Threads that ended before the harness listed them: their process from the kernel's table, when traced with it.
    process_of = {pid: process for process, pid in pids.items()}
    try:
        with open(base + '.tgids') as f:
            for line in f:
                tid, tgid = (int(v) for v in line.split())
                if tid not in threads and tgid in process_of:
                    threads[tid] = (process_of[tgid], None)
    except FileNotFoundError:
        pass
    sched = Scheduler(base + '.sched.trace')
    calls = Calls(base + '.calls.trace')

    harness_fd = {r['client']: (int(r['fd']), int(r['local_port'])) for r in sockets if r['process'] == 'harness'}
    broker_fd = {int(r['remote_port']): int(r['fd']) for r in sockets if r['process'] == 'broker' and r['remote_port'] != '0'}
    by_pair = collections.defaultdict(list)
    for r in messages:
        by_pair[int(r['pair'])].append((int(r['sequence']), int(r['sent_ns']) // 1000, int(r['received_ns']) // 1000))

    rows, problems = [], []
    for pair, stamps in sorted(by_pair.items()):
        stamps.sort()
        count = stamps[-1][0] + 1
        pub_fd, pub_port = harness_fd[f'pub-{pair}']
        recv_fd, recv_port = harness_fd[f'recv-{pair}']
        streams = {
            'A': calls.stream(pids['harness'], pub_fd, 'out'),
            'B': calls.stream(pids['broker'], broker_fd[pub_port], 'in'),
            'C': calls.stream(pids['broker'], broker_fd[recv_port], 'out'),
            'D': calls.stream(pids['harness'], recv_fd, 'in'),
        }
        packets = {}
        for stamp, (stream_calls, ends) in streams.items():
            total = ends[-1] if ends else 0
            # A blocking read that was waiting when the trace began (the lean load client's receiver in recv) takes
            # the phase's first message without its entry traced, so it is not counted: the stream then moved one
            # packet (of the size the broker's writes to it give) less, and its ends are shifted by that packet.
            first = packets.get('C')
            if total and total % count and stamp == 'D' and first and total == (count - 1) * first:
                streams[stamp] = (stream_calls, [end + first for end in ends])
                total += first
            if not total or total % count:
                problems.append(f'pair {pair}: stream {stamp} moved {total} bytes for {count} messages (not whole packets); pair left out')
                break
            packets[stamp] = total // count
        else:
            for sequence, sent, received in stamps:
                found = {stamp: locate(*streams[stamp], packets[stamp], sequence) for stamp in streams}
                if any(v is None for v in found.values()):
                    continue
                times = {'S': sent, 'A': found['A'][1], 'B': found['B'][0], 'C': found['C'][1], 'D': found['D'][1], 'R': received}
                tids = {'A': found['A'][3], 'B': found['B'][3], 'C': found['C'][3], 'D': found['D'][3], 'R': found['D'][3]}
                rows.append((received - sent, pair, sequence, times, tids))

    if not rows:
        print(f'## {case}\n\nNo message could be followed.', *problems, sep='\n')
        return
    rows.sort(key=lambda r: r[0])
    n = len(rows)
    p50, p99 = rows[(n + 1) // 2 - 1][0], rows[-(-99 * n // 100) - 1][0]
    slow = [r for r in rows if r[0] >= p99]
    middle = rows[int(n * 0.45):int(n * 0.55)]
    disorder = sum(1 for r in rows if not (r[3]['S'] <= r[3]['A'] + 1 and r[3]['A'] <= r[3]['B'] + 1 and r[3]['B'] <= r[3]['C'] and r[3]['C'] <= r[3]['D'] + 1 and r[3]['D'] <= r[3]['R'] + 1))

    print(f'## {case}\n')
    print(f'{n:,} messages followed of {len(messages):,} received; p50 {p50} µs, p99 {p99} µs (this file\'s stamps, µs resolution); '
          f'trace {(sched.last - sched.first) / 1e6:.1f} s; {disorder} messages with stamps out of order (more than 1 µs)')
    for problem in problems:
        print(f'- {problem}')
    print()
    print('| Mean µs per message: total (running / waiting for a core / asleep + asleep until an idle core woke) | median band (p45–p55) | slowest 1 % (≥ p99) |')
    print('|---|---:|---:|')
    who_total = {'middle': collections.Counter(), 'slow': collections.Counter()}
    for name, start, end in SEGMENTS:
        cells = []
        for label, group in (('middle', middle), ('slow', slow)):
            split = collections.Counter()
            total = 0
            for _, _, _, times, tids in group:
                total += times[end] - times[start]
                split.update(sched.split(tids[end], times[start], times[end]))
            waiting = sum(v for k, v in split.items() if isinstance(k, tuple))
            cells.append(f"{total / len(group):.1f} ({split['run'] / len(group):.1f} / {waiting / len(group):.1f} / "
                         f"{split['sleep'] / len(group):.1f} + {split['sleep, woken late'] / len(group):.1f})")
            for key, value in split.items():
                if isinstance(key, tuple):
                    who_total[label][(name, category(key[1], key[2], threads))] += value / len(group)
        print(f'| {name} | {cells[0]} | {cells[1]} |')
    print('\n| Waiting for a core, mean µs per message: segment · who had the core | median band | slowest 1 % |')
    print('|---|---:|---:|')
    keys = sorted(set(who_total['middle']) | set(who_total['slow']), key=lambda k: -who_total['slow'][k])
    for key in keys[:12]:
        if who_total['slow'][key] >= 0.5 or who_total['middle'][key] >= 0.5:
            print(f'| {key[0]} · {key[1]} | {who_total["middle"][key]:.1f} | {who_total["slow"][key]:.1f} |')
    # What other processes cost each message: its time waiting for a core that a task of neither the harness nor
    # the broker held, over all steps. The messages no other process delayed say what the tail is on this machine
    # without them (a selection, not a quiet machine: their neighbours may still have been delayed).
    untouched = []
    touched_slow = 0
    for latency, _, _, times, tids in rows:
        others = 0
        for _, start, end in SEGMENTS:
            for key, value in sched.split(tids[end], times[start], times[end]).items():
                if isinstance(key, tuple) and key[1] and key[1] not in threads:
                    others += value
        if others <= OTHERS_NEGLIGIBLE:
            untouched.append(latency)
        elif latency >= p99:
            touched_slow += 1
    if untouched:
        m = len(untouched)
        print(f'\nOther processes delayed {touched_slow} of the slowest 1 % ({len(slow)}) by more than {OTHERS_NEGLIGIBLE} µs. '
              f'The {m:,} messages ({m / n:.0%}) no other process delayed by more than that: p50 {untouched[(m + 1) // 2 - 1]} µs, '
              f'p99 {untouched[-(-99 * m // 100) - 1]} µs.')
    slow_pairs = collections.Counter(r[1] for r in slow)
    print(f'\nSlowest 1 % by pair: ' + ', '.join(f'{p}: {c}' for p, c in sorted(slow_pairs.items())) + '\n')


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for case in sys.argv[2:]:
        analyse(sys.argv[1], case)


if __name__ == '__main__':
    main()
