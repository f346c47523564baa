#!/usr/bin/python3
"""Token mode as ApsaraMQ's device code uses it, with paho-mqtt over MQTT 3.1.1: connect with user name
Token|{AccessKeyId}|{InstanceId} and password RW|{token}; optionally publish {"token": …, "type": "RW"} to
$SYS/uploadToken (QoS 1) and wait for its PUBACK; then stay until WAIT_SECONDS pass or the broker closes the connection,
recording every message received (the token notices come without a subscription).

Usage: /usr/bin/python3 token_upload_paho.py HOST PORT CLIENT_ID USER_NAME TOKEN UPLOAD_TOKEN|- WAIT_SECONDS
Prints one JSON line: {"connected": rc, "puback": true|false|null, "closedAfter": seconds|null, "received": [[topic, payload], …]}.
"""
import json
import sys
import threading
import time

import paho.mqtt.client as mqtt

HOST, PORT, CLIENT_ID, USER_NAME, TOKEN, UPLOAD_TOKEN, WAIT_SECONDS = sys.argv[1:8]


def new_client(client_id):
    # paho-mqtt 2.x asks for a callback API version; 1.x (Debian 12) has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id)
    return mqtt.Client(client_id=client_id)


connected = threading.Event()
closed = threading.Event()
result = {"connected": None, "puback": None, "closedAfter": None, "received": []}
client = new_client(CLIENT_ID)
client.username_pw_set(USER_NAME, "RW|" + TOKEN)
client.on_connect = lambda c, u, flags, rc: (result.update(connected=rc), connected.set())
client.on_message = lambda c, u, m: result["received"].append([m.topic, m.payload.decode()])
client.on_disconnect = lambda c, u, rc: closed.set()
client.connect(HOST, int(PORT))
client.loop_start()
connected.wait(10)
start = time.monotonic()
if UPLOAD_TOKEN != "-":
    # ApsaraMQ: the client must wait for this PUBACK before it publishes or subscribes again.
    info = client.publish("$SYS/uploadToken", json.dumps({"token": UPLOAD_TOKEN, "type": "RW"}), qos=1)
    info.wait_for_publish(5)
    result["puback"] = info.is_published()
if closed.wait(float(WAIT_SECONDS)):
    result["closedAfter"] = round(time.monotonic() - start, 1)
else:
    client.disconnect()
time.sleep(0.2)
client.loop_stop()
print(json.dumps(result))
