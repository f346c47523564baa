#!/usr/bin/env python3
"""Splits a broker's samples from perf-phase.sh into CPU time per message: user code, the system calls' entry and
return, each system call's own kernel work split by what it did below (TCP output, loopback delivery into the peer's
socket and the wake-up of its reader, the pure ACK sent from inside a read, copies, the scheduler, epoll), and time
preempted on the way back to user mode; for the threads that serve connections (the host's reactors, mosquitto's one
thread) and for the rest of the process.

    perf-split.py DIR CASE [CASE...] [--messages N]

N: messages in the sampled window (default 80,000: 10 s at the harness's 8,000 msg/s). Each sample is the recorded
period of CPU, so µs per message = Σ period ÷ N. A stack is classified by the functions it holds, the first rule that
matches winning. This VM's cpu-clock samples taken while interrupts were off land where they are turned back on
(pvm_irq_enable): softirq work inside a system call stays in that call, and a sample that lands on the interrupt
enable in do_syscall_64 itself is counted as the call's entry and return."""
import collections
import re
import subprocess
import sys

SERVING_THREADS = ("EdgeBroker reac", "mosquitto")

# libc's system-call wrappers as the samples name them → the call
LIBC_CALLS = {"__send": "sendto", "__libc_send": "sendto", "__libc_recv": "recvfrom", "__recv": "recvfrom",
              "epoll_wait": "epoll_wait", "epoll_ctl": "epoll_ctl", "read": "read", "__libc_read": "read",
              "__GI___libc_read": "read", "write": "write", "__libc_write": "write", "__GI___libc_write": "write",
              "pthread_sigmask@GLIBC_2.2.5": "rt_sigprocmask", "__GI___pthread_sigmask": "rt_sigprocmask",
              "__futex_abstimed_wait_common": "futex", "__GI___lll_lock_wake": "futex", "syscall": "futex",
              "__libc_sendmsg": "sendmsg", "__libc_recvmsg": "recvmsg", "sched_yield": "sched_yield"}
KERNEL_CALL = re.compile(r"^(?:__x64_sys|__do_sys|__se_sys|ksys|__sys)_(\w+)$")
READS = ("recvfrom", "read", "recvmsg")
ENTRY = "system-call entry and return"
PREEMPTED = "preempted on the way back to user mode"
RULES = [
    ("loopback delivery: the peer's reader woken (epoll callback, wake-up, IPI)", ("sock_def_readable", "ep_poll_callback", "try_to_wake_up", "__wake_up_common", "__wake_up_sync_key")),
    ("loopback delivery: the peer's TCP receive", ("tcp_v4_rcv", "ip_local_deliver", "__netif_receive_skb_one_core", "process_backlog", "net_rx_action", "handle_softirqs")),
    ("TCP/IP output to loopback", ("__tcp_transmit_skb", "ip_output", "__ip_queue_xmit", "__dev_queue_xmit", "loopback_xmit", "tcp_write_xmit", "__tcp_push_pending_frames")),
    ("scheduler: sleep and switch", ("schedule", "__schedule", "finish_task_switch.isra.0", "finish_task_switch", "schedule_hrtimeout_range", "schedule_hrtimeout_range_clock")),
    ("copy to/from user", ("_copy_to_iter", "_copy_from_iter", "skb_copy_datagram_iter", "__skb_datagram_iter", "rep_movs_alternative", "simple_copy_to_iter", "skb_copy_to_page_nocache")),
    ("skb alloc/free", ("__alloc_skb", "tcp_stream_alloc_skb", "kmem_cache_alloc_node", "__kfree_skb", "skb_release_data", "kfree_skbmem", "skb_attempt_defer_free", "__kmalloc_node_track_caller")),
    ("epoll: ready list and interest list", ("ep_send_events", "ep_item_poll", "ep_poll", "do_epoll_wait", "ep_try_send_events", "do_epoll_ctl", "ep_modify", "ep_insert", "ep_remove")),
    ("socket lock", ("lock_sock_nested", "release_sock", "__release_sock")),
]


def samples(path):
    """(comm, tid, period, frames) per sample; frames leaf first, each (symbol, dso)."""
    text = subprocess.run(["perf", "script", "-i", path, "-F", "comm,tid,period,ip,sym,dso"], capture_output=True,
                          text=True, errors="replace").stdout
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        head = re.match(r"^(.*?)\s+(\d+)\s+(\d+)\s*$", lines[0].strip()) if lines else None
        if not head:
            continue
        frames = []
        for line in lines[1:]:
            m = re.match(r"^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
            if m:
                frames.append((re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)), m.group(2)))
        yield head.group(1), int(head.group(2)), int(head.group(3)), frames


def classify(frames):
    """(top-level bucket, detail)."""
    if not frames:
        return "user", "?"
    kernel = [f for f, dso in frames if dso == "[kernel.kallsyms]"]
    wrapper = next((f for f, dso in frames if dso != "[kernel.kallsyms]"), "")
    if not kernel:
        sym, dso = frames[0]
        if sym in LIBC_CALLS:
            return ENTRY, LIBC_CALLS[sym] + " (the instruction after the call, in libc)"
        if dso.startswith("/tmp/perf-") or dso == "[unknown]" or "doublemapper" in dso:
            return "user", "JIT'd code"
        return "user", dso.rsplit("/", 1)[-1]
    names = set(kernel)
    call = next((KERNEL_CALL.match(n).group(1) for n in reversed(kernel) if KERNEL_CALL.match(n)), None)
    call = LIBC_CALLS.get(wrapper, call)
    if "do_syscall_64" not in names:
        return "kernel outside system calls", kernel[min(2, len(kernel) - 1)]
    if names.intersection(("exit_to_user_mode_loop",)):
        return PREEMPTED, call or "?"
    body = next((n for n in kernel if KERNEL_CALL.match(n) or n.startswith("do_epoll") or n.startswith("sock_")
                 or n.startswith("tcp_") or n.startswith("vfs_")), None)
    if body is None:
        return ENTRY, (call or "?") + " (in the kernel)"
    if call in READS and names.intersection(("__tcp_transmit_skb", "tcp_send_ack", "__tcp_send_ack")):
        # a read that frees receive space acknowledges at once (tcp_cleanup_rbuf, inlined), and on loopback the
        # ACK is processed in the peer's socket inside this call
        return call, "the pure ACK sent from the read, and its delivery to the peer's socket"
    for bucket, marks in RULES:
        if names.intersection(marks):
            return call, bucket
    return call, "the call's own code (the rest)"


def main():
    args = sys.argv[1:]
    messages = 80000
    if "--messages" in args:
        i = args.index("--messages")
        messages = int(args[i + 1])
        del args[i:i + 2]
    folder, cases = args[0], args[1:]
    us = lambda ns: ns / 1000 / messages
    for case in cases:
        rows = list(samples(f"{folder}/{case}.perf.data"))
        threads = collections.Counter()
        table = {"serving": collections.Counter(), "rest": collections.Counter()}
        for comm, tid, period, frames in rows:
            group = "serving" if comm in SERVING_THREADS else "rest"
            threads[(group, comm, tid)] += period
            top, detail = classify(frames)
            table[group][(top, None)] += period
            table[group][(top, detail)] += period
        total = sum(threads.values())
        print(f"## {case}: {len(rows)} samples, {us(total):.2f} µs/msg in the process")
        print("threads: " + ", ".join(f"{c} ({t}) {us(v):.2f}" for (g, c, t), v in threads.most_common() if us(v) >= 0.01))
        for group, counts in table.items():
            group_total = sum(v for (top, detail), v in counts.items() if detail is None)
            if not group_total:
                continue
            print(f"\n### {'threads serving connections' if group == 'serving' else 'the rest of the process'}: "
                  f"{us(group_total):.2f} µs/msg\n| where | µs/msg | share |\n|---|---:|---:|")
            tops = sorted({top for top, detail in counts}, key=lambda top: -counts[(top, None)])
            for top in tops:
                print(f"| **{top}** | {us(counts[(top, None)]):.2f} | {100 * counts[(top, None)] / group_total:.1f} % |")
                details = sorted(((d, v) for (t, d), v in counts.items() if t == top and d is not None), key=lambda x: -x[1])
                for detail, v in details:
                    if 100 * v / group_total >= 0.5:
                        print(f"| · {detail} | {us(v):.2f} | {100 * v / group_total:.1f} % |")
        print()


if __name__ == "__main__":
    main()
