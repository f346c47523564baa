#!/bin/sh
# Installs aedes (the Node.js MQTT broker the benchmark compares with) from npm into node_modules/ beside this script,
# pinned, without touching any global or user-level npm state. Needs Node.js 20+ and npm (Debian: apt-get install
# nodejs npm). Run once before the benchmark: tests/EdgeBroker.Benchmarks/aedes/setup.sh
set -eu
cd "$(dirname "$0")"
npm install --no-save --no-audit --no-fund --omit=dev --prefix . aedes@1.2.0
echo "aedes installed in $(pwd)/node_modules"
