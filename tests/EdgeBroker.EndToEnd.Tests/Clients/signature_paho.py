#!/usr/bin/python3
"""Signature mode with paho-mqtt: computes the password from the secret key and connects.

Usage: /usr/bin/python3 signature_paho.py HOST PORT CLIENT_ID ACCESS_KEY_ID SECRET_KEY INSTANCE_ID
Prints "connected" and exits 0, or prints "refused: <CONNACK return code>" and exits 1.
"""
import base64
import hashlib
import hmac
import sys
import threading

import paho.mqtt.client as mqtt

HOST, PORT, CLIENT_ID, ACCESS_KEY_ID, SECRET_KEY, INSTANCE_ID = sys.argv[1:7]

# ApsaraMQ for MQTT's Signature mode: the password is Base64(HMAC-SHA1(key: SecretKey, data: ClientId)).
username = "Signature|" + ACCESS_KEY_ID + "|" + INSTANCE_ID
password = base64.b64encode(hmac.new(SECRET_KEY.encode(), CLIENT_ID.encode(), hashlib.sha1).digest()).decode()


def new_client(client_id):
    # paho-mqtt 2.x asks for a callback API version; 1.x (Debian 12) has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id)
    return mqtt.Client(client_id=client_id)


answered = threading.Event()
result = {}


def on_connect(client, userdata, flags, rc):
    result["rc"] = rc
    answered.set()


client = new_client(CLIENT_ID)
client.username_pw_set(username, password)
client.on_connect = on_connect
client.connect(HOST, int(PORT))
client.loop_start()
answered.wait(10)
client.disconnect()
client.loop_stop()

if result.get("rc") == 0:
    print("connected")
    sys.exit(0)
print("refused:", result.get("rc", "no answer"))
sys.exit(1)
