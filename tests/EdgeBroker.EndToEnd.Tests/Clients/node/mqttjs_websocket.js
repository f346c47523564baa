// MQTT.js, as a browser dashboard or a Node app uses it, over MQTT over WebSocket: connects to the URL given, subscribes
// to a topic, publishes to it at QoS 1, prints what it receives ("received TOPIC PAYLOAD"), then waits for one more
// message from another client (a TCP one) before it disconnects. Exits 1 with the error on any failure or after 10 s.
// Usage: node mqttjs_websocket.js URL PROTOCOL_VERSION(4|5) CLIENT_ID TOPIC [CA_FILE]
const fs = require('fs');
const mqtt = require('mqtt');

const [url, version, clientId, topic, caFile] = process.argv.slice(2);
const options = { protocolVersion: Number(version), clientId, clean: true, reconnectPeriod: 0, connectTimeout: 5000 };
if (caFile) {
  options.ca = fs.readFileSync(caFile);
}

const fail = (error) => {
  console.error(String(error && error.message ? error.message : error));
  process.exit(1);
};
setTimeout(() => fail('timed out'), 10000).unref();

const client = mqtt.connect(url, options);
let received = 0;
client.on('error', fail);
client.on('message', (messageTopic, payload) => {
  console.log(`received ${messageTopic} ${payload.toString()}`);
  if (++received === 2) {
    client.end(false, () => process.exit(0));
  }
});
client.on('connect', () => {
  client.subscribe(topic, { qos: 1 }, (error) => {
    if (error) {
      fail(error);
      return;
    }

    client.publish(topic, `from mqtt.js v${version}`, { qos: 1 }, (publishError) => {
      if (publishError) {
        fail(publishError);
      } else {
        console.log('published');
      }
    });
  });
});
