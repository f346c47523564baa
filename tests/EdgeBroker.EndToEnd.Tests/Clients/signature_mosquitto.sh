#!/bin/sh
# Publishes one message with Signature-mode credentials, the password computed with openssl: the README's example,
# run by the test suite as written there.
# Usage: sh signature_mosquitto.sh [HOST] [PORT]; ACCESS_KEY_ID, SECRET_KEY, INSTANCE_ID and CLIENT_ID come from the
# environment.
set -e
HOST=${1:-127.0.0.1}
PORT=${2:-1883}

PASSWORD=$(printf %s "$CLIENT_ID" | openssl dgst -sha1 -hmac "$SECRET_KEY" -binary | base64)
mosquitto_pub -h "$HOST" -p "$PORT" -i "$CLIENT_ID" -u "Signature|$ACCESS_KEY_ID|$INSTANCE_ID" -P "$PASSWORD" \
  -q 1 -t 'sensors/temperature' -m '21.5'
