#!/usr/bin/python3
"""P2P with paho-mqtt: a device receives a message addressed to its client ID without subscribing to anything.

Usage: /usr/bin/python3 p2p_paho.py [HOST] [PORT]
Prints the received topic and payload and exits 0, or exits 1 after 10 seconds without a message.
"""
import sys
import threading

import paho.mqtt.client as mqtt

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
DEVICE = "GID_sensors@@@DEVICE_001"


def new_client(client_id):
    # paho-mqtt 2.x asks for a callback API version; 1.x (Debian 12) has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id)
    return mqtt.Client(client_id=client_id)


received = threading.Event()
connected = threading.Event()


def on_connect(client, userdata, flags, rc):
    connected.set()


def on_message(client, userdata, message):
    # P2P messages match no subscription, so they arrive at the default on_message handler.
    print(message.topic, message.payload.decode())
    received.set()


device = new_client(DEVICE)
device.on_message = on_message
device.on_connect = on_connect
device.connect(HOST, PORT)
device.loop_start()
# A P2P message reaches only a connected client: send it once the broker has accepted the device (CONNACK), not merely
# after the CONNECT left this process.
if not connected.wait(10):
    sys.exit(1)

backend = new_client("GID_app@@@backend")
backend.connect(HOST, PORT)
backend.loop_start()
backend.publish("app/p2p/" + DEVICE, "open valve 3", qos=1).wait_for_publish()

ok = received.wait(10)
backend.disconnect()
device.disconnect()
sys.exit(0 if ok else 1)
