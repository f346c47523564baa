#!/usr/bin/env bash
# Fuzzes one EdgeBroker target with afl++ and SharpFuzz (issue #12): opt-in, never part of `dotnet test`.
#
#   tests/fuzz/run.sh TARGET [DURATION]
#
# TARGET: relay-decoder | host-packets | flash-log (see docs/fuzzing.md). DURATION: seconds, or with an m or h suffix
# (default 10m). With FUZZ_EXECUTIONS set (e.g. 10000000) the run also ends once afl-fuzz has made about that many
# executions, whichever comes first. Installs afl++ (Debian) and the SharpFuzz command-line tool (NuGet) when missing, publishes
# tests/EdgeBroker.Fuzz in Release, instruments only the assemblies under test, runs afl-fuzz at the lowest CPU priority
# and prints executions, crashes and hangs from fuzzer_stats; saved crashes and hangs are replayed in-process so their
# exceptions show. Exits 1 when afl-fuzz saved any crash or hang. Work files go to $FUZZ_WORK (default
# /tmp/edgebroker-fuzz/TARGET), findings in its findings/ folder.
set -euo pipefail

target=${1:?usage: tests/fuzz/run.sh relay-decoder|host-packets|flash-log [DURATION]}
duration=${2:-10m}
case "$duration" in
  *h) seconds=$(( ${duration%h} * 3600 )) ;;
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *) seconds=$duration ;;
esac

limit=()
[ -z "${FUZZ_EXECUTIONS:-}" ] || limit=(-E "$FUZZ_EXECUTIONS")

root=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/edgebroker-fuzz/$target}
sharpfuzz_version=2.3.0

if ! command -v afl-fuzz >/dev/null; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "installing afl++"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq afl++ >/dev/null
fi

tools=${XDG_CACHE_HOME:-$HOME/.cache}/edgebroker-fuzz/sharpfuzz-$sharpfuzz_version
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "installing SharpFuzz.CommandLine $sharpfuzz_version"
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version "$sharpfuzz_version" >/dev/null
fi

# A fresh publish every run. SharpFuzz instruments assemblies in place, and instrumented code only runs under afl-fuzz
# (it writes to afl's shared coverage map), so afl-fuzz gets an instrumented copy and the seeds and the replay of
# findings use the plain build.
rm -rf "$work"
mkdir -p "$work"
dotnet publish "$root/tests/EdgeBroker.Fuzz" -c Release -o "$work/bin" --nologo -v quiet
cp -r "$work/bin" "$work/instrumented"
harness=(dotnet "$work/bin/EdgeBroker.Fuzz.dll")
"${harness[@]}" seeds "$target" "$work/seeds"
for assembly in $("${harness[@]}" assemblies "$target"); do
  "$tools/sharpfuzz" "$work/instrumented/$assembly"
done

# AFL_SKIP_BIN_CHECK: afl-fuzz runs `dotnet`, which has no afl instrumentation of its own; SharpFuzz's fork server in the
#   harness reports the coverage of the instrumented assemblies.
# AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: core dumps are piped to a handler (kernel.core_pattern) that a container cannot
#   change; SharpFuzz reports a crash as an exception through its fork server, not as a core dump.
# AFL_SKIP_CPUFREQ: the CPU frequency governor is not readable or settable here.
# AFL_NO_AFFINITY: the cores are shared with other builds; afl-fuzz must not pin itself to one it believes idle.
# AFL_NO_UI: progress goes to the log, not a full-screen terminal UI.
# -m none: the .NET runtime reserves far more virtual memory than afl's default limit; memory is bounded by the targets.
# -t 5000: an input is a hang if one execution takes more than 5 s (the first includes JIT compilation).
# FUZZ_SCRATCH: where flash-log writes each input as a log file; on tmpfs when there is one, as file I/O bounds its rate.
scratch_root=/dev/shm
[ -d "$scratch_root" ] || scratch_root=$work
export FUZZ_SCRATCH
FUZZ_SCRATCH=$(mktemp -d "$scratch_root/edgebroker-fuzz.XXXXXX")
trap 'rm -rf "$FUZZ_SCRATCH"' EXIT

echo "fuzzing $target for ${seconds}s (afl-fuzz log: $work/afl.log)"
AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 \
  nice -n 19 afl-fuzz -i "$work/seeds" -o "$work/findings" -m none -t 5000 -V "$seconds" "${limit[@]}" -- dotnet "$work/instrumented/EdgeBroker.Fuzz.dll" "$target" \
  >"$work/afl.log" 2>&1 || { tail -n 30 "$work/afl.log"; exit 1; }

stats=$work/findings/default/fuzzer_stats
stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
crashes=$(stat saved_crashes)
hangs=$(stat saved_hangs)
echo "target:      $target"
echo "run time:    $(stat run_time) s"
echo "executions:  $(stat execs_done)"
echo "exec/s:      $(stat execs_per_sec)"
echo "paths:       $(stat corpus_count)"
echo "crashes:     $crashes"
echo "hangs:       $hangs"
echo "stability:   $(stat stability)"

shopt -s nullglob
findings=("$work"/findings/default/crashes/id:* "$work"/findings/default/hangs/id:*)
if [ ${#findings[@]} -gt 0 ]; then
  echo "replaying ${#findings[@]} saved inputs (a hang is cut off after 60 s):"
  timeout 60 "${harness[@]}" replay "$target" "${findings[@]}" || true
fi

[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
