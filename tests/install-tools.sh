#!/usr/bin/env bash
# Installs the third-party tools the tests drive (Debian packages): MQTT clients and broker, and curl and openssl for
# the HTTP API walkthrough, and chromium, the browser the dashboard tests drive with Playwright (never a browser that
# Playwright downloads); then MQTT.js (npm package mqtt, the version pinned in the lock file), the client browsers
# use over WebSocket: the end-to-end tests run it in Node, the browser tests load its browser bundle (dist/mqtt.min.js)
# in chromium. Idempotent: does nothing when they are already there. Uses sudo unless run as root.
set -euo pipefail

packages=(mosquitto mosquitto-clients python3-paho-mqtt curl openssl chromium nodejs)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

# Debian's nodejs comes without npm (NodeSource's brings its own): only a missing npm command needs Debian's package.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "test tools present: ${packages[*]}"
else
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "installing test tools: ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

clients="$(dirname "$0")/EdgeBroker.EndToEnd.Tests/Clients/node"
if [ ! -d "$clients/node_modules/mqtt" ]; then
  echo "installing MQTT.js for the WebSocket tests"
  npm ci --prefix "$clients" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
fi
