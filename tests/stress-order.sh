#!/bin/sh
# Stress run of the SUBSCRIBE/UNSUBSCRIBE ordering test (docs/protocol.md, "Order of SUBSCRIBE/UNSUBSCRIBE across
# connections"): saturates the machine with CPU burners this script starts (and stops on exit), then runs
# PubSub/UnsubscribeOrderTests on both engines with many rounds, several subscribers racing each publisher and busy
# loops on the test process's thread pool. Not part of dotnet test.
#
#   tests/stress-order.sh [runs] [rounds] [subscribers] [burners] [pool-loops]     defaults: 1 30 8 5 4
#
# Each run prints the test's verdict; a failure says how many of rounds × subscribers unsubscribes were not in effect.
set -eu
runs=${1:-1}
rounds=${2:-30}
subscribers=${3:-8}
burners=${4:-5}
pool=${5:-4}
root=$(cd "$(dirname "$0")/.." && pwd)

pids=""
stop_burners() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
}
trap stop_burners EXIT INT TERM

dotnet build "$root/tests/EdgeBroker.EndToEnd.Tests" >/dev/null
i=0
while [ "$i" -lt "$burners" ]; do
    sh -c 'while :; do :; done' &
    pids="$pids $!"
    i=$((i + 1))
done

run=1
while [ "$run" -le "$runs" ]; do
    echo "run $run of $runs: $rounds rounds x $subscribers subscribers per engine, $burners burners, $pool pool loops, load $(cut -d' ' -f1-3 /proc/loadavg)"
    EDGEBROKER_ORDER_ROUNDS=$rounds EDGEBROKER_ORDER_SUBSCRIBERS=$subscribers EDGEBROKER_ORDER_POOL_LOAD=$pool \
        dotnet test "$root/tests/EdgeBroker.EndToEnd.Tests" --no-build --filter "FullyQualifiedName~UnsubscribeOrderTests" 2>&1 \
        | grep -E "unsubscribes were not|Passed!|Failed!|Failed EdgeBroker" || true
    run=$((run + 1))
done
