#!/bin/sh
# Sends one signed request to EdgeBroker's HTTP API, signed as docs/presence.md describes: the method and the path,
# each followed by a newline (but not for ApsaraMQ's endpoints, GET /route/clientId/get and POST /token/apply, which
# sign the parameters alone), then every parameter but the signature as name=value, sorted, joined with '&'; HMAC-SHA1
# with the access key's secret, Base64. A random nonce
# makes every run its own request: the broker accepts a signed change once, and two runs in the same second would
# otherwise send the same one.
# Usage: signed_request.sh GET|POST BASE_URL ACCESS_KEY:SECRET PATH [name=value ...]
#   e.g. signed_request.sh POST http://127.0.0.1:8080 AK:SECRET /pairing/open group=GID_sensors
# GET sends the parameters in the query string, POST as a form body. The instance ID is edgebroker unless
# EDGEBROKER_INSTANCE_ID names another.
set -eu
method=$1 base=$2 key=${3%%:*} secret=${3#*:} path=$4
shift 4

ts=$(($(date +%s) * 1000))
set -- "$@" "accessKey=$key" "instanceId=${EDGEBROKER_INSTANCE_ID:-edgebroker}" "timestamp=$ts" "nonce=$(openssl rand -hex 8)"
sig=$( {
  case "$method $path" in
    'GET /route/clientId/get' | 'POST /token/apply') ;;   # ApsaraMQ's endpoints: the parameters alone
    *) printf '%s\n%s\n' "$method" "$path" ;;
  esac
  printf '%s\n' "$@" | LC_ALL=C sort | paste -sd '&' - | tr -d '\n'
} | openssl dgst -sha1 -hmac "$secret" -binary | base64)

# Each parameter becomes --data-urlencode name=value (the loop's list is read once, before it appends).
count=$#
for parameter do
  set -- "$@" --data-urlencode "$parameter"
done
shift "$count"

if [ "$method" = GET ]; then
  curl -sS -G "$base$path" "$@" --data-urlencode "signature=$sig"
else
  curl -sS "$base$path" "$@" --data-urlencode "signature=$sig"
fi
echo
