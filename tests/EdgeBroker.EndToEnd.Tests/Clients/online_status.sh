#!/bin/sh
# Asks EdgeBroker's HTTP API whether a client ID is online, signing the request as the README describes.
# Usage: online_status.sh BASE_URL ACCESS_KEY SECRET CLIENT_ID [INSTANCE_ID]
#   e.g. online_status.sh http://127.0.0.1:8080 AK SECRET 'GID_sensors@@@DEVICE_001'
set -eu
base=$1 key=$2 secret=$3 client=$4 instance=${5:-edgebroker}

ts=$(($(date +%s) * 1000))
sig=$(printf '%s' "accessKey=$key&instanceId=$instance&resource=$client&timestamp=$ts" \
  | openssl dgst -sha1 -hmac "$secret" -binary | base64)
curl -sS -G "$base/route/clientId/get" \
  --data-urlencode "accessKey=$key" --data-urlencode "instanceId=$instance" \
  --data-urlencode "resource=$client" --data-urlencode "timestamp=$ts" --data-urlencode "signature=$sig"
echo
