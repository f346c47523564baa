#!/usr/bin/env bash
# Measures the published single-file host against mosquitto in one run: size on disk, start-up time until the MQTT
# port accepts a connection, and resident memory (VmRSS) after 5 s idle with no client. Opt-in, not part of
# `dotnet test`; takes 5–10 minutes (four publishes). Writes a Markdown table to stdout and artifacts/measure/result.md.
#
#   bash deploy/measure.sh [RUNS]     # RUNS starts per variant (default 5), after one first start that is reported alone
#
# Variants, each published from host/EdgeBroker.Host with the linux-x64 profile (docs/deploy.md):
#   shipped     the profile as it is: self-contained single file, partial trimming
#   untrimmed   the same without trimming
#   readytorun  the profile plus ReadyToRun (precompiled code, no JIT at start)
#   nativeaot   Native AOT (PublishAot, its warnings allowed): reported as published, then whether it starts
# Everything listens on 127.0.0.1 only.
set -euo pipefail

runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/artifacts/measure
mkdir -p "$out"
port=$(( 20000 + RANDOM % 20000 ))
mosquitto=${MOSQUITTO:-/usr/sbin/mosquitto}

publish() {
    local name=$1; shift
    echo "publishing $name ..." >&2
    rm -rf "${out:?}/$name"
    if ! dotnet publish "$root/host/EdgeBroker.Host" --artifacts-path "$out/build-$name" -p:PublishDir="$out/$name/" \
        -nodeReuse:false -p:UseSharedCompilation=false "$@" > "$out/$name.log" 2>&1; then
        echo "publish of $name failed; see $out/$name.log" >&2
        return 1
    fi
}

# Waits (5 ms steps, 30 s at most) until 127.0.0.1:$port accepts a TCP connection; fails if $pid died first.
wait_listening() {
    local pid=$1
    for _ in $(seq 1 6000); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.005
    done
    return 1
}

# One start of "$@": prints "startup_ms rss_kb", or "failed" when it never listened.
measure_once() {
    local work=$1; shift
    local begin end pid rss
    begin=$(date +%s%N)
    env -i HOME="$work/home" PATH=/usr/bin:/bin "$@" > "$work/last.log" 2>&1 &
    pid=$!
    if ! wait_listening "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        echo failed
        return
    fi
    end=$(date +%s%N)
    sleep 5
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$(( (end - begin) / 1000000 )) $rss"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

rows=()
mosquitto_rss=
mosquitto_ms=
# measure NAME SIZE_BYTES COMMAND...: runs 1 + $runs starts on a fresh HOME and data directory, appends a table row.
measure() {
    local name=$1 size=$2; shift 2
    local work=$out/run-$name first times=() rsss=() result
    rm -rf "$work"; mkdir -p "$work/home"
    echo "measuring $name ..." >&2
    first=$(measure_once "$work" "$@")
    if [[ $first == failed ]]; then
        rows+=("| $name | $(( size / 1000 / 1000 )).$(( size / 100000 % 10 )) MB | does not start: $(head -c 200 "$work/last.log" | tr '\n' ' ') | | |")
        return
    fi
    for _ in $(seq 1 "$runs"); do
        result=$(measure_once "$work" "$@")
        times+=("${result% *}")
        rsss+=("${result#* }")
    done
    local ms rss
    ms=$(printf '%s\n' "${times[@]}" | median)
    rss=$(printf '%s\n' "${rsss[@]}" | median)
    if [[ $name == mosquitto ]]; then mosquitto_ms=$ms; mosquitto_rss=$rss; fi
    rows+=("$(printf '| %s | %s | %s ms (first start %s ms; %s–%s) | %s MB | %s |' "$name" \
        "$(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }')" "$ms" "${first% *}" \
        "$(printf '%s\n' "${times[@]}" | sort -n | head -1)" "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)" \
        "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "@RATIO:$ms:$rss@")")
}

size_of() { du -cb "$@" | tail -1 | cut -f1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
publish shipped -p:PublishProfile=linux-x64
publish untrimmed -p:PublishProfile=linux-x64 -p:PublishTrimmed=false
publish readytorun -p:PublishProfile=linux-x64 -p:PublishReadyToRun=true
publish nativeaot -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false -p:InvariantGlobalization=true || true

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$out/mosquitto.conf"
measure mosquitto "$(stat -c %s "$mosquitto")" "$mosquitto" -c "$out/mosquitto.conf"
for name in shipped untrimmed readytorun; do
    measure "$name" "$(size_of "$out/$name"/*)" "$out/$name/EdgeBroker.Host" --port "$port" --http-port 0 --data-dir "$out/run-$name/data"
done
if [[ -x $out/nativeaot/EdgeBroker.Host ]]; then
    measure nativeaot "$(size_of "$out/nativeaot/EdgeBroker.Host" "$out/nativeaot/libe_sqlite3.so")" \
        "$out/nativeaot/EdgeBroker.Host" --port "$port" --http-port 0 --data-dir "$out/run-nativeaot/data"
else
    rows+=("| nativeaot | — | publish failed, see artifacts/measure/nativeaot.log | | |")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, load average $load_before before and $load_after after;"
    echo "median of $runs starts after a first one; $($mosquitto -h | head -1), $(dotnet --version) SDK."
    echo
    echo "| variant | size | start-up to listening | idle RSS | vs mosquitto (start-up, RSS) |"
    echo "|---|---|---|---|---|"
    for row in "${rows[@]}"; do
        if [[ $row =~ @RATIO:([0-9]+):([0-9]+)@ ]]; then
            ratio=$(awk -v m="${BASH_REMATCH[1]}" -v r="${BASH_REMATCH[2]}" -v mm="$mosquitto_ms" -v mr="$mosquitto_rss" \
                'BEGIN { printf "%.1f×, %.1f×", m / (mm > 0 ? mm : 1), r / mr }')
            row=${row/@RATIO:${BASH_REMATCH[1]}:${BASH_REMATCH[2]}@/$ratio}
        fi
        echo "$row"
    done
    echo
    echo "mosquitto's size is its executable alone ($(dpkg-query -W -f='${Installed-Size}' mosquitto 2>/dev/null || echo '?') KiB installed with its package, plus shared libraries);"
    echo "EdgeBroker's is everything it needs beside glibc, libstdc++ and OpenSSL."
} | tee "$out/result.md"
