#!/usr/bin/env bash
# Runs load cases of the harness one at a time with the per-message log on and a kernel trace of their fixed-rate
# phase, for split-latency.py. Root only (ftrace). Nothing in either broker is instrumented.
#
#   trace-latency.sh OUT_DIR CASES [HARNESS_FLAGS...]      e.g. trace-latency.sh /tmp/tail eb-p2p-q0,mosq-pubsub-q0 --window 256
#   TRACE=0 trace-latency.sh ...                           the same run with the message log only (the overhead check)
#
# Two ftrace instances, both on the mono clock (CLOCK_MONOTONIC, the harness's Stopwatch clock), switched on and off
# by the harness itself around the phase (--trace-switch):
#   - sched: every task's sched_switch, sched_wakeup and sched_migrate_task, machine-wide (who ran on a core while a
#     broker or client thread waited for it);
#   - calls: read, write, recvfrom, sendto, recvmsg and sendmsg, entry and exit, of the harness's process and its
#     children (the broker) only (set_event_pid with event-fork). Nothing else: each event costs the traced thread
#     time (docs/performance.md says how much).
# Per case: OUT_DIR/CASE.{messages,sockets,threads}.csv (the harness), OUT_DIR/CASE.{sched,calls}.trace, the kernel's
# thread-to-process table (CASE.tgids) and each instance's per-CPU stats (lost events would show there as "overrun").
set -euo pipefail

out=${1:?usage: trace-latency.sh OUT_DIR CASES [HARNESS_FLAGS...]}
cases=${2:?usage: trace-latency.sh OUT_DIR CASES [HARNESS_FLAGS...]}
shift 2
repo=$(cd "$(dirname "$0")/../../.." && pwd)
harness=$repo/tests/EdgeBroker.Benchmarks/bin/Release/net10.0/EdgeBroker.Benchmarks.dll
buffer_kb=${BUFFER_KB:-262144}  # per CPU and instance
tracing=/sys/kernel/tracing
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [[ ${TRACE:-1} == 0 ]]; then
    for case in ${cases//,/ }; do
        dotnet "$harness" --message-log "$out" --cases "$case" --out "$out/$case.md" "$@"
    done
    exit 0
fi

sched=$tracing/instances/edgebroker-sched-$$
calls=$tracing/instances/edgebroker-calls-$$
cleanup() {
    for instance in "$sched" "$calls"; do
        if [[ -d $instance ]]; then
            echo 0 >"$instance/tracing_on"
            rmdir "$instance"
        fi
    done
}
trap cleanup EXIT
mkdir "$sched" "$calls"
for instance in "$sched" "$calls"; do
    echo 0 >"$instance/tracing_on"
    echo mono >"$instance/trace_clock"
    echo "$buffer_kb" >"$instance/buffer_size_kb"
done
for event in sched_switch sched_wakeup sched_migrate_task; do
    echo 1 >"$sched/events/sched/$event/enable"
done
for call in read write recvfrom sendto recvmsg sendmsg; do
    echo 1 >"$calls/events/syscalls/sys_enter_$call/enable"
    echo 1 >"$calls/events/syscalls/sys_exit_$call/enable"
done
echo 1 >"$calls/options/event-fork"
for instance in "$sched" "$calls"; do
    echo 1 >"$instance/options/record-tgid"
done

for case in ${cases//,/ }; do
    for instance in "$sched" "$calls"; do
        echo >"$instance/trace"
    done
    # The harness is traced from its first instruction: this shell's PID is listed, then replaced by the harness.
    bash -c 'echo $$ >"$1/set_event_pid"; shift; exec "$@"' _ "$calls" \
        dotnet "$harness" --message-log "$out" --trace-switch "$sched/tracing_on" --trace-switch "$calls/tracing_on" \
        --cases "$case" --out "$out/$case.md" "$@"
    cat "$sched/trace" >"$out/$case.sched.trace"
    cat "$calls/trace" >"$out/$case.calls.trace"
    cp "$tracing/saved_tgids" "$out/$case.tgids"
    grep -H overrun "$sched"/per_cpu/cpu*/stats "$calls"/per_cpu/cpu*/stats >"$out/$case.trace-stats" || true
done
