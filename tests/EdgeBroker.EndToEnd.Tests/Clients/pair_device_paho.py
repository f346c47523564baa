#!/usr/bin/python3
"""Pairs a new device with EdgeBroker using paho-mqtt, then signs in with the credentials it received.

Usage: /usr/bin/python3 pair_device_paho.py HOST PORT GROUP DEVICE_ID CREDENTIALS_FILE

1. Unless CREDENTIALS_FILE exists already, it pairs: connects with client ID GROUP@@@DEVICE_ID and user name
   Pair|GROUP (the group's pairing window must be open), waits for the one message the broker sends to its own P2P
   address GROUP/p2p/GROUP@@@DEVICE_ID, stores the user name and password from it in CREDENTIALS_FILE (JSON, readable
   by its owner only) and disconnects.
2. It connects again with the stored user name (Device|GROUP@@@DEVICE_ID) and password, sends itself one P2P message
   and waits for it: proof that the credentials work.

Prints one line per step. Exit codes: 0 done, 1 refused by the broker, 2 no answer in time, 3 unusable credentials file.
Works with paho-mqtt 1.x (Debian 12's python3-paho-mqtt) and 2.x.
"""
import json
import os
import sys
import threading

import paho.mqtt.client as mqtt

TIMEOUT_SECONDS = 10


def new_client(client_id):
    # paho-mqtt 2.x asks for a callback API version; 1.x has no such argument.
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id, clean_session=True)
    return mqtt.Client(client_id=client_id, clean_session=True)


class Session:
    """One MQTT connection that remembers its CONNACK and every message addressed to it."""

    def __init__(self, client_id, username, password):
        self.connack = None
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.messages = []
        self.received = threading.Event()
        self.client = new_client(client_id)
        self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    def _on_connect(self, client, userdata, flags, rc):
        self.connack = rc
        self.connected.set()

    def _on_disconnect(self, client, userdata, rc):
        self.disconnected.set()

    def _on_message(self, client, userdata, message):
        # The broker's P2P messages match no subscription: they arrive here, at the default handler.
        self.messages.append(message)
        self.received.set()

    def connect(self, host, port):
        """Connects and returns the CONNACK return code, or None when none came in time."""
        self.client.connect(host, port)
        self.client.loop_start()
        if not self.connected.wait(TIMEOUT_SECONDS):
            return None
        return self.connack

    def next_message(self):
        """The first message received, waiting for it; None when none came in time."""
        if not self.received.wait(TIMEOUT_SECONDS):
            return None
        return self.messages[0]

    def close(self):
        # Waits until the DISCONNECT is out, so the next connection with this client ID is not taken for a takeover.
        self.client.disconnect()
        self.disconnected.wait(TIMEOUT_SECONDS)
        self.client.loop_stop()


def fail(code, line):
    print(line)
    sys.exit(code)


def connect_or_exit(session, host, port, what):
    rc = session.connect(host, port)
    if rc is None:
        session.close()
        fail(2, "%s: no CONNACK within %d s" % (what, TIMEOUT_SECONDS))
    if rc != 0:
        session.close()
        fail(1, "%s: refused, CONNACK return code %d (%s)" % (what, rc, mqtt.connack_string(rc)))


def pair(host, port, group, client_id, credentials_file):
    session = Session(client_id, "Pair|" + group, None)
    connect_or_exit(session, host, port, "pairing as " + client_id)
    print("pairing: connected as %s with user name Pair|%s, waiting for credentials" % (client_id, group))
    message = session.next_message()
    session.close()
    if message is None:
        fail(2, "pairing: no credentials within %d s" % TIMEOUT_SECONDS)
    if message.topic != group + "/p2p/" + client_id:
        fail(3, "pairing: expected the credentials on %s/p2p/%s, got a message on %s" % (group, client_id, message.topic))

    credentials = json.loads(message.payload.decode("utf-8"))
    # Owner-only from the start: the password is the device's only secret, and the broker never shows it again.
    descriptor = os.open(credentials_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stored:
        json.dump({"username": credentials["username"], "password": credentials["password"]}, stored)
    print("pairing: credentials received for user name %s and stored in %s" % (credentials["username"], credentials_file))


def sign_in(host, port, group, client_id, credentials_file):
    try:
        with open(credentials_file) as stored:
            credentials = json.load(stored)
        username, password = credentials["username"], credentials["password"]
    except (OSError, ValueError, KeyError) as error:
        fail(3, "sign-in: cannot read credentials from %s: %s" % (credentials_file, error))

    session = Session(client_id, username, password)
    connect_or_exit(session, host, port, "sign-in as " + username)
    print("sign-in: connected as %s with its stored password" % username)
    topic = group + "/p2p/" + client_id
    session.client.publish(topic, "hello from " + client_id, qos=1)
    message = session.next_message()
    session.close()
    if message is None:
        fail(2, "sign-in: the P2P message to itself did not arrive within %d s" % TIMEOUT_SECONDS)
    print("sign-in: received its own P2P message on %s: %s" % (message.topic, message.payload.decode("utf-8")))


def main():
    if len(sys.argv) != 6:
        print(__doc__.strip().splitlines()[2])
        sys.exit(64)
    host, port, group, device_id, credentials_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    client_id = group + "@@@" + device_id
    if os.path.exists(credentials_file):
        print("pairing: skipped, credentials already stored in %s" % credentials_file)
    else:
        pair(host, port, group, client_id, credentials_file)
    sign_in(host, port, group, client_id, credentials_file)
    print("done: %s is paired and signs in" % client_id)


if __name__ == "__main__":
    main()
