#!/usr/bin/python3
"""MQTT 5 limits as paho-mqtt sees them: the broker's CONNACK properties, Server Keep Alive, topic aliases the broker
uses towards a client that allows them, and a message larger than the client's Maximum Packet Size not delivered.

Usage: /usr/bin/python3 mqtt5_limits_paho.py HOST PORT
Prints one "name value" line per observation and exits 0, or exits 1 when something does not arrive in time.
"""
import sys
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HOST = sys.argv[1]
PORT = int(sys.argv[2])


def new_client(client_id):
    # paho-mqtt 2.x asks for a callback API version; 1.x (Debian 12) has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id, protocol=mqtt.MQTTv5)
    return mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5)


def connect(client_id, keepalive=60, **connect_properties):
    client = new_client(client_id)
    connack = {}
    connected = threading.Event()
    messages = []

    def on_connect(c, userdata, flags, reason, properties):
        connack.update(vars(properties) if properties else {})
        connected.set()

    client.on_connect = on_connect
    client.on_message = lambda c, userdata, message: messages.append(message)
    properties = Properties(PacketTypes.CONNECT)
    for name, value in connect_properties.items():
        setattr(properties, name, value)
    client.connect(HOST, PORT, keepalive=keepalive, properties=properties)
    client.loop_start()
    if not connected.wait(10):
        sys.exit(1)
    return client, connack, messages


def wait_for(messages, count):
    deadline = time.time() + 10
    while len(messages) < count:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.05)


# The broker's limits, and a keep-alive above its bound.
client, connack, _ = connect("paho-limits", keepalive=120)
for name in ("ReceiveMaximum", "TopicAliasMaximum", "MaximumPacketSize", "ServerKeepAlive"):
    print(name, connack.get(name, "absent"))
client.disconnect()
client.loop_stop()

# Topic aliases towards a client that allows two, and nothing larger than its 64-byte maximum.
reader, _, received = connect("paho-reader", TopicAliasMaximum=2, MaximumPacketSize=64)
reader.subscribe("paho/limits", qos=1)
time.sleep(0.5)
writer, _, _ = connect("paho-writer")
for payload, qos in (("one", 0), ("two", 1), ("x" * 64, 1), ("three", 1)):
    writer.publish("paho/limits", payload, qos=qos).wait_for_publish(10)
wait_for(received, 3)
time.sleep(0.5)
for message in received:
    alias = getattr(message.properties, "TopicAlias", 0)
    print("received", repr(message.topic), alias, message.payload.decode())
print("connected", reader.is_connected())
for c in (reader, writer):
    c.disconnect()
    c.loop_stop()
