#!/usr/bin/env bash
# Samples a broker's threads, kernel stacks included, inside the harness's fixed-rate phase, one load case at a
# time, for perf-split.py (docs/performance.md, "Where the reactor's CPU goes at 8,000 msg/s, sampled"). Root only
# (kernel symbols, another process's samples). Opt-in: nothing in the harness or the brokers changes but the
# environment both .NET processes get: DOTNET_PerfMapEnabled=1 (JIT'd code named in /tmp/perf-PID.map) and
# DOTNET_EnableWriteXorExecute=0 (that code sampled at the addresses the map names). A `dotnet` wrapper first on PATH
# does not reach the broker alone: .NET finds the "dotnet" the harness starts next to its own before it looks at PATH.
#
#   perf-phase.sh OUT_DIR CASES [HARNESS_FLAGS...]
#   e.g. perf-phase.sh /tmp/kprof eb-pubsub-q0,mosq-pubsub-q0 --window 256 --messages 40000 --duration 22 --broker-age 70
#
# The phase is the one after the harness's "throughput" line: sampling starts DELAY seconds (3) after that line and
# lasts WINDOW seconds (10); then COUNT_WINDOW seconds (6) are counted, so with --duration 22 both lie inside the
# phase. Sampling is cpu-clock (this VM has no hardware counters) at a fixed period of PERIOD_NS (250,000 ns), so
# samples × period is CPU time; the count is separate because tracepoints on every system call slow the caller.
# Per case in OUT_DIR: CASE.perf.data, CASE.counts (perf stat: system calls, switches, wake-ups), CASE.md (the
# harness's report), CASE.log (its progress lines), CASE.tasks (each thread's utime and stime in clock ticks from
# /proc before and after the sampled window), CASE.perf-map (the host's JIT map, for perf script elsewhere).
set -euo pipefail

out=${1:?usage: perf-phase.sh OUT_DIR CASES [HARNESS_FLAGS...]}
cases=${2:?usage: perf-phase.sh OUT_DIR CASES [HARNESS_FLAGS...]}
shift 2
repo=$(cd "$(dirname "$0")/../../.." && pwd)
harness=$repo/tests/EdgeBroker.Benchmarks/bin/Release/net10.0/EdgeBroker.Benchmarks.dll
delay=${DELAY:-3}
window=${WINDOW:-10}
period=${PERIOD_NS:-250000}
count_window=${COUNT_WINDOW:-6}
# per process: its system calls, its threads' sleeps and the wake-ups it does
counted=syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_read,syscalls:sys_enter_write
counted+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex,syscalls:sys_enter_sendmsg
counted+=,syscalls:sys_enter_recvmsg,sched:sched_switch,sched:sched_wakeup,context-switches,task-clock
mkdir -p "$out"
out=$(cd "$out" && pwd)

tasks() {  # pid label: each thread's tid, name, utime, stime (clock ticks)
    for stat in /proc/"$1"/task/*/stat; do
        # the name is in parentheses and may hold spaces; utime and stime are fields 14 and 15
        awk -v label="$2" '{ line = $0; sub(/^[0-9]+ \(/, "", line); name = substr(line, 1, index(line, ") ") - 1);
            rest = substr(line, index(line, ") ") + 2); split(rest, f, " ");
            tid = $1; print label, tid, "\"" name "\"", f[12], f[13] }' "$stat" 2>/dev/null || true
    done
}

export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
for case in ${cases//,/ }; do
    dotnet "$harness" --cases "$case" --out "$out/$case.md" "$@" 2>&1 | {
    pid=
    while IFS= read -r line; do
        printf '%s %s\n' "$(date +%T)" "$line" | tee -a "$out/$case.log"
        if [[ $line =~ broker\ up.*\(pid\ ([0-9]+)\) ]]; then
            pid=${BASH_REMATCH[1]}
        elif [[ $line == *": throughput "* && -n $pid ]]; then  # the progress line, not the report's
            (
                sleep "$delay"
                tasks "$pid" before >"$out/$case.tasks"
                perf record -q -e cpu-clock -c "$period" -g -p "$pid" -o "$out/$case.perf.data" -- sleep "$window" 2>>"$out/$case.log"
                tasks "$pid" after >>"$out/$case.tasks"
                perf stat -x, -e "$counted" -p "$pid" -o "$out/$case.counts" -- sleep "$count_window"
                cp "/tmp/perf-$pid.map" "$out/$case.perf-map" 2>/dev/null || true
                echo "$(date +%T) sampled pid $pid for $window s" >>"$out/$case.log"
            ) &
            pid=
        fi
    done
    wait  # the sampling, a child of this side of the pipe
    }
done
