#!/usr/bin/env bash
# Runs the linux-arm64 single file on this x64 machine under qemu's user-mode emulation: publishes it with the
# linux-arm64 profile, then checks `--version` and an MQTT round trip with a QoS 1 message kept in SQLite for a
# persistent session, and exit code 0 after SIGTERM. Opt-in, not part of `dotnet test` (emulated start-up takes tens of seconds); it proves the
# arm64 file and its bundled SQLite library load and work, not how fast a Raspberry Pi runs them. Needs Debian's
# qemu-user-static, libc6-arm64-cross, libstdc++6-arm64-cross and libgcc-s1-arm64-cross, and mosquitto-clients.
#
#   bash deploy/check-arm64.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$work/home"
port=$(( 20000 + RANDOM % 20000 ))
pid=
cleanup() {
    if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

dotnet publish "$root/host/EdgeBroker.Host" -p:PublishProfile=linux-arm64 -nodeReuse:false -p:UseSharedCompilation=false > "$work/publish.log" \
    || { cat "$work/publish.log"; exit 1; }
executable=$root/artifacts/publish/linux-arm64/EdgeBroker.Host
file "$executable"
# env execs qemu, which runs the program in its own process: $! below is the program's PID, which SIGTERM reaches.
emulated=(env -i HOME="$work/home" PATH=/nonexistent /usr/bin/qemu-aarch64-static -L /usr/aarch64-linux-gnu "$executable")

echo "--version: $("${emulated[@]}" --version)"
"${emulated[@]}" --port "$port" --http-port 0 --data-dir "$work/data" > "$work/broker.log" 2>&1 &
pid=$!
for _ in $(seq 1 180); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$work/broker.log"; exit 1; }
    sleep 1
done
mosquitto_sub -p "$port" -i arm64-check -c -q 1 -t check -E
mosquitto_pub -p "$port" -q 1 -t check -m kept
received=$(mosquitto_sub -p "$port" -i arm64-check -c -q 1 -t check -C 1 -W 30)
[[ $received == kept ]] || { echo "expected 'kept', received '$received'"; cat "$work/broker.log"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [[ $status != 0 ]] || ! grep -q 'MQTT listener stopped' "$work/broker.log"; then
    echo "SIGTERM: exit code $status"; tail -5 "$work/broker.log"; exit 1
fi
echo "linux-arm64 single file: serves MQTT, kept a QoS 1 message in SQLite, stopped cleanly on SIGTERM"
