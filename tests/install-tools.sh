#!/usr/bin/env bash
# Installs the third-party tools the tests drive (Debian packages): MQTT clients and broker, and curl and openssl for
# the HTTP API walkthrough, and chromium, the browser the dashboard tests drive with Playwright (never a browser that
# Playwright downloads). Idempotent: does nothing when they are already there. Uses sudo unless run as root.
set -euo pipefail

packages=(mosquitto mosquitto-clients python3-paho-mqtt curl openssl chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test tools present: ${packages[*]}"
  exit 0
fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing test tools: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
