#!/bin/sh
# Checks that README.md and docs/*.md name only what the repository has today: file paths, types and members, test
# names, the host's and the emulator's flags (from their --help), settings, edgebroker.conf keys, HTTP endpoints,
# metrics, $SYS topic levels, relative links and their #anchors. Opt-in, not part of `dotnet test`.
#
#   tests/check-docs.sh            builds the host and the emulator (for their --help), then checks
#   tests/check-docs.sh --no-build checks against what is built, the sources alone where nothing is
#
# Prints one line per stale reference (page:line: `reference`: why) and exits 1 if there is any. A dated journal
# marks where its history begins (<!-- check-docs: history below -->): below it only links are checked.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" != "--no-build" ]; then
    for project in EdgeBroker.Host EdgeBroker.Emulator; do
        dotnet build "$root/host/$project" -nologo -v q >/dev/null || { echo "building $project failed" >&2; exit 2; }
    done
fi
exec python3 "$root/tests/check-docs.py"
