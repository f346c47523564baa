#!/usr/bin/python3
"""MQTT 5 behaviours a client library relies on, checked with paho-mqtt (MQTT 5 mode) against any broker.

Usage: /usr/bin/python3 mqtt5_interop_paho.py HOST PORT
Prints one line per check, "PASS name" or "FAIL name: what went wrong", and exits 0 when every check passed.
The checks follow the scenarios of Eclipse paho.mqtt.testing's client_test5.py of the same names (session expiry,
will delay, shared subscriptions, subscribe options, subscription identifiers, subscribe failure is left to the
access-rule tests); the code is this project's own. The end-to-end suite runs it against mosquitto and EdgeBroker.
"""
import socket
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
RUN = uuid.uuid4().hex[:8]  # topics and client IDs of this run only, so a reused broker holds nothing of an earlier one
WAIT = 3.0


class Client:
    """A paho client driven synchronously: each call returns once the broker has answered."""

    def __init__(self, name):
        self.client_id = name + "-" + RUN
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2.x
            self.paho = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=self.client_id, protocol=mqtt.MQTTv5)
        else:
            self.paho = mqtt.Client(client_id=self.client_id, protocol=mqtt.MQTTv5)
        self.messages = []
        self.session_present = None
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self.paho.on_connect = self._on_connect
        self.paho.on_subscribe = lambda client, userdata, mid, codes, properties: self._answer(self._subscribed, codes)
        self.paho.on_message = lambda client, userdata, message: self.messages.append(message)
        self.reason_codes = None

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        self.session_present = bool(flags.get("session present"))
        self._connected.set()

    def _answer(self, event, codes):
        self.reason_codes = codes
        event.set()

    def connect(self, clean_start=True, expiry=None, will=None):
        properties = Properties(PacketTypes.CONNECT)
        if expiry is not None:
            properties.SessionExpiryInterval = expiry
        if will is not None:
            topic, payload, delay = will
            will_properties = Properties(PacketTypes.WILLMESSAGE)
            will_properties.WillDelayInterval = delay
            self.paho.will_set(topic, payload, qos=1, properties=will_properties)
        self._connected.clear()
        self.paho.connect(HOST, PORT, clean_start=clean_start, properties=properties)
        self.paho.loop_start()
        if not self._connected.wait(WAIT):
            raise AssertionError(self.client_id + " got no CONNACK")
        return self

    def subscribe(self, topic, qos=1, identifier=None, **options):
        properties = None
        if identifier is not None:
            properties = Properties(PacketTypes.SUBSCRIBE)
            properties.SubscriptionIdentifier = identifier
        self._subscribed.clear()
        self.paho.subscribe([(topic, SubscribeOptions(qos=qos, **options))], properties=properties)
        if not self._subscribed.wait(WAIT):
            raise AssertionError(self.client_id + " got no SUBACK for " + topic)
        return [code.value for code in self.reason_codes]

    def publish(self, topic, payload, qos=1, retain=False):
        sent = self.paho.publish(topic, payload, qos=qos, retain=retain)
        sent.wait_for_publish(WAIT)
        if qos > 0 and not sent.is_published():
            raise AssertionError(self.client_id + " got no acknowledgement for " + topic)

    def disconnect(self, expiry=None):
        properties = None
        if expiry is not None:
            properties = Properties(PacketTypes.DISCONNECT)
            properties.SessionExpiryInterval = expiry
        self.paho.disconnect(properties=properties)
        self.paho.loop_stop()

    def vanish(self):
        """Drops the connection without DISCONNECT, as a device losing power does."""
        self.paho.socket().shutdown(socket.SHUT_RDWR)
        self.paho.loop_stop()

    def payloads(self, settle=0.5):
        time.sleep(settle)
        return [message.payload.decode() for message in self.messages]


def expect(condition, problem):
    if not condition:
        raise AssertionError(problem)


def session_present_after(name, expiry, delay, disconnect_expiry=None):
    client = Client(name).connect(clean_start=True, expiry=expiry)
    client.subscribe("se/" + RUN)
    client.disconnect(disconnect_expiry)
    time.sleep(delay)
    back = Client(name).connect(clean_start=False, expiry=expiry)
    back.disconnect(0 if expiry else None)
    return back.session_present


def test_session_expiry():
    expect(not session_present_after("se0", 0, 0), "expiry 0: the session outlived its connection")
    expect(session_present_after("se3", 3, 1), "expiry 3: the session was gone after 1 s")
    expect(not session_present_after("se1", 1, 2.5), "expiry 1: the session was still there after 2.5 s")
    expect(session_present_after("seup", 1, 2, disconnect_expiry=10), "DISCONNECT expiry 10: the session was gone after 2 s")
    expect(not session_present_after("sedown", 60, 0, disconnect_expiry=0), "DISCONNECT expiry 0: the session outlived it")


def test_will_delay():
    topic = "will/" + RUN
    watcher = Client("watcher").connect()
    watcher.subscribe(topic)
    Client("dying").connect(expiry=30, will=(topic, "gone", 2)).vanish()
    expect(watcher.payloads(1.0) == [], "the will came before its delay")
    expect(watcher.payloads(2.5) == ["gone"], "the will did not come after its delay: %s" % watcher.payloads(0))
    Client("returning").connect(expiry=30, will=(topic, "returned too late", 2)).vanish()
    Client("returning").connect(clean_start=False, expiry=30).disconnect()
    expect(watcher.payloads(3.0) == ["gone"], "a will was sent although its client came back within the delay")
    watcher.disconnect()


def test_shared_subscriptions():
    topic = "shared/" + RUN
    members = [Client("member%d" % i).connect() for i in range(2)]
    for member in members:
        expect(member.subscribe("$share/group/" + topic) == [1], "SUBSCRIBE $share/group/... refused")
    publisher = Client("sharer").connect()
    for i in range(10):
        publisher.publish(topic, str(i))
    received = [member.payloads() for member in members]
    expect(sorted(received[0] + received[1], key=int) == [str(i) for i in range(10)], "not each message once: %s" % received)
    expect(all(received), "a member received nothing: %s" % received)
    for client in members + [publisher]:
        client.disconnect()


def test_subscribe_options():
    topic = "options/" + RUN
    a = Client("a").connect()
    b = Client("b").connect()
    a.subscribe(topic, noLocal=True)
    b.subscribe(topic, noLocal=True)
    a.publish(topic, "no local")
    expect(b.payloads() == ["no local"] and a.payloads() == [], "noLocal: a %s, b %s" % (a.payloads(0), b.payloads(0)))
    b.disconnect()
    a.disconnect()

    c = Client("c").connect()
    c.subscribe(topic, retainAsPublished=True)
    c.publish(topic, "plain")
    c.publish(topic, "retained", retain=True)
    time.sleep(0.5)
    expect([m.retain for m in c.messages] == [False, True], "retainAsPublished: %s" % [m.retain for m in c.messages])
    c.disconnect()

    retained = "retained/" + RUN
    setter = Client("setter").connect()
    for qos in range(3):
        setter.publish("%s/%d" % (retained, qos), "qos %d" % qos, qos=qos, retain=True)
    setter.disconnect()
    d = Client("d").connect()
    d.subscribe(retained + "/+", qos=2, retainHandling=1)
    expect(len(d.payloads()) == 3, "retainHandling 1, new subscription: %s" % d.payloads(0))
    d.subscribe(retained + "/+", qos=2, retainHandling=1)
    expect(len(d.payloads()) == 3, "retainHandling 1, existing subscription: %s" % d.payloads(0))
    d.subscribe(retained + "/#", qos=2, retainHandling=2)
    expect(len(d.payloads()) == 3, "retainHandling 2: %s" % d.payloads(0))
    d.subscribe(retained + "/+", qos=2, retainHandling=0)
    expect(len(d.payloads()) == 6, "retainHandling 0: %s" % d.payloads(0))
    for qos in range(3):
        d.publish("%s/%d" % (retained, qos), "", qos=1, retain=True)
    d.disconnect()


def test_subscribe_identifiers():
    topic = "ids/" + RUN
    a = Client("ida").connect()
    a.subscribe(topic, identifier=456789)
    b = Client("idb").connect()
    b.subscribe(topic, identifier=2)
    b.subscribe(topic + "/#", identifier=3)
    b.publish(topic, "identified")
    time.sleep(0.5)
    expect(len(a.messages) == 1 and a.messages[0].properties.SubscriptionIdentifier == [456789],
           "a: %s" % [m.properties for m in a.messages])
    # Overlapping subscriptions: one copy with both identifiers, or one copy per subscription (§3.3.4 allows either).
    identifiers = sorted(i for m in b.messages for i in m.properties.SubscriptionIdentifier)
    expect(identifiers == [2, 3] and len(b.messages) in (1, 2), "b: %d messages, identifiers %s" % (len(b.messages), identifiers))
    a.disconnect()
    b.disconnect()


failed = 0
for name, check in sorted((name, check) for name, check in globals().items() if name.startswith("test_")):
    try:
        check()
        print("PASS " + name)
    except Exception as problem:  # one failing check must not hide the others
        failed += 1
        print("FAIL %s: %s" % (name, problem))
sys.stdout.flush()
sys.exit(1 if failed else 0)
