// The EdgeBroker dashboard: reads what the serving engine offers (GET /dashboard/capabilities), signs in with an access
// key where requests are signed (the host), then follows the live feed (GET /dashboard/events, server-sent events:
// 'status' every second, 'presence' per event) and administers pairing and paired devices through the HTTP API.
// Everything shown is built with textContent: nothing the broker or a client sends is ever parsed as HTML.
'use strict';

const $ = id => document.getElementById(id);
const ChartPoints = 60;
const PresenceKept = 50;
const ReconnectDelayMs = 2000;
const DevicesRefreshMs = 5000;
const DevicesAfterConnectMs = 300;

const dashboard = {
  capabilities: null,
  key: null,              // { id, secret, instanceId } while signed in; the secret lives only in this variable
  group: null,
  feed: null,
  previous: null,         // the last status event, for rates
  serverOffsetMs: 0,      // broker clock minus this browser's clock, for countdowns
  pairing: [],
  series: { p2p: [], pubsub: [] },
  devicesTimer: null,
  devicesSoon: null,
  armedRevoke: null,      // the client ID whose Revoke was clicked once; the next click revokes it
};

// ---- requests ------------------------------------------------------------------------------------------------------

function scopeParameters(parameters) {
  return dashboard.group ? Object.assign({ group: dashboard.group }, parameters) : Object.assign({}, parameters);
}

/** The query string of a GET to path, signed (method and path too) when the engine signs requests. */
function signedQuery(path, parameters) {
  return new URLSearchParams(dashboard.key ? Signing.sign(dashboard.key, 'GET', path, parameters) : parameters).toString();
}

/** A GET of the API, signed when the engine signs requests; resolves to the answer's JSON. */
async function apiGet(path, parameters) {
  const query = signedQuery(path, parameters || {});
  const response = await fetch(path + (query ? '?' + query : ''), { cache: 'no-store' });
  return response.json();
}

/** A POST of the API with its parameters as a form, signed when the engine signs requests. */
async function apiPost(path, parameters) {
  const signed = dashboard.key ? Signing.sign(dashboard.key, 'POST', path, parameters) : parameters;
  const response = await fetch(path, { method: 'POST', body: new URLSearchParams(signed) });
  return response.json();
}

// ---- start and sign-in ---------------------------------------------------------------------------------------------

async function start() {
  const capabilities = await (await fetch('/dashboard/capabilities', { cache: 'no-store' })).json();
  dashboard.capabilities = capabilities;
  $('engine').textContent = capabilities.engine + ' ' + capabilities.version;
  $('devices-panel').hidden = !capabilities.devices;
  $('pairing-form').hidden = capabilities.pairing !== 'window';
  $('pairing-button-row').hidden = capabilities.pairing !== 'button';
  $('pairing-button-group').textContent = capabilities.pairingGroup || '';
  if (capabilities.signedRequests) {
    showLogin('');
  } else {
    showDashboard();
  }
}

function showLogin(message) {
  stopFeed();
  dashboard.key = null;
  forgetShown();
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-secret').value = '';
  setFeedState('signed out', '');
}

/** Clears what the last key was shown, so the next key (perhaps limited to another group) never sees it. */
function forgetShown() {
  dashboard.previous = null;
  dashboard.armedRevoke = null;
  dashboard.pairing = [];
  dashboard.series = { p2p: [], pubsub: [] };
  drawChart();
  ['clients', 'offline', 'uplinks', 'devices'].forEach(table => $(table).tBodies[0].replaceChildren());
  ['presence', 'pairing-windows', 'counters'].forEach(list => $(list).replaceChildren());
}

async function signIn(event) {
  event.preventDefault();
  dashboard.key = { id: $('login-key').value.trim(), secret: $('login-secret').value, instanceId: dashboard.capabilities.instanceId };
  dashboard.group = $('login-group').value.trim() || null;
  $('login-secret').value = '';
  // Any signed listing tells whether the key, its secret and the group are accepted, with the broker's reason if not.
  const answer = await apiGet('/clients/count', scopeParameters({})).catch(() => null);
  if (!answer || answer.code !== 0) {
    showLogin(answer ? answer.message : 'The broker did not answer; is it running?');
    return;
  }

  $('login').hidden = true;
  $('sign-out').hidden = false;
  showDashboard();
}

function showDashboard() {
  $('dashboard').hidden = false;
  openFeed();
  if (dashboard.capabilities.devices) {
    loadDevices();
    dashboard.devicesTimer = setInterval(loadDevices, DevicesRefreshMs);
  }
}

// ---- the live feed -------------------------------------------------------------------------------------------------

function setFeedState(text, kind) {
  const badge = $('feed-state');
  badge.textContent = text;
  badge.className = 'badge ' + kind;
}

function openFeed() {
  closeFeed();
  const query = signedQuery('/dashboard/events', scopeParameters({}));
  // Signed URLs expire (their timestamp is checked), so a lost stream is reopened here with a fresh signature rather
  // than by EventSource's own retry of the old URL.
  const feed = new EventSource('/dashboard/events' + (query ? '?' + query : ''));
  dashboard.feed = feed;
  feed.addEventListener('open', () => setFeedState('live', 'live'));
  feed.addEventListener('status', event => onStatus(JSON.parse(event.data)));
  feed.addEventListener('presence', event => onPresence(JSON.parse(event.data)));
  feed.addEventListener('error', () => {
    feed.close();
    setFeedState('reconnecting…', 'down');
    setTimeout(async () => {
      if (dashboard.feed !== feed) {
        return;
      }

      if (dashboard.key) {
        const answer = await apiGet('/clients/count', scopeParameters({})).catch(() => null);
        if (answer && answer.code !== 0) {
          showLogin(answer.message);
          return;
        }
      }

      openFeed();
    }, ReconnectDelayMs);
  });
}

function closeFeed() {
  if (dashboard.feed) {
    dashboard.feed.close();
    dashboard.feed = null;
  }
}

/** Ends everything that keeps the page up to date: the feed and the devices' refresh. */
function stopFeed() {
  closeFeed();
  clearInterval(dashboard.devicesTimer);
  dashboard.devicesTimer = null;
}

function onStatus(status) {
  dashboard.serverOffsetMs = status.time - Date.now();
  updateRates(status);
  showCounters(status.counters);
  showClients(status.clients);
  showOffline(status.offline);
  showUplinks(status.uplinks);
  dashboard.pairing = status.pairing;
  showPairing();
}

function onPresence(event) {
  const item = document.createElement('li');
  item.dataset.clientId = event.clientId;
  item.dataset.eventType = event.eventType;
  item.textContent = new Date(event.time).toLocaleTimeString() + ' ' + event.eventType + ' ' + event.clientId + ' (' + event.clientIp + ')';
  const list = $('presence');
  list.prepend(item);
  while (list.children.length > PresenceKept) {
    list.lastElementChild.remove();
  }

  // A device that just paired or signed in shows in the paired devices without waiting for their refresh.
  if (event.eventType === 'connect' && dashboard.capabilities.devices) {
    clearTimeout(dashboard.devicesSoon);
    dashboard.devicesSoon = setTimeout(loadDevices, DevicesAfterConnectMs);
  }
}

// ---- panels --------------------------------------------------------------------------------------------------------

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function fillTable(table, items, fill) {
  const body = $(table).tBodies[0];
  body.replaceChildren(...items.map(item => {
    const row = document.createElement('tr');
    fill(row, item);
    return row;
  }));
}

function since(unixMs) {
  const seconds = Math.max(0, Math.round((Date.now() + dashboard.serverOffsetMs - unixMs) / 1000));
  const ago = seconds < 120 ? seconds + ' s' : seconds < 7200 ? Math.round(seconds / 60) + ' min' : Math.round(seconds / 3600) + ' h';
  return new Date(unixMs).toLocaleString() + ' (' + ago + ' ago)';
}

function updateRates(status) {
  const c = status.counters;
  const previous = dashboard.previous;
  dashboard.previous = status;
  if (!previous) {
    return;
  }

  const seconds = Math.max(0.001, (status.time - previous.time) / 1000);
  const p = previous.counters;
  const p2p = Math.max(0, (c.p2pDelivered + c.p2pQueued - p.p2pDelivered - p.p2pQueued) / seconds);
  const pubsub = Math.max(0, (c.pubSubDelivered + c.pubSubQueued - p.pubSubDelivered - p.pubSubQueued) / seconds);
  push(dashboard.series.p2p, p2p);
  push(dashboard.series.pubsub, pubsub);
  $('p2p-rate').textContent = p2p.toFixed(1);
  $('pubsub-rate').textContent = pubsub.toFixed(1);
  drawChart();
}

function push(series, value) {
  series.push(value);
  if (series.length > ChartPoints) {
    series.shift();
  }
}

function drawChart() {
  const all = dashboard.series.p2p.concat(dashboard.series.pubsub);
  const scale = Math.max(1, ...all);
  $('chart-scale').textContent = scale.toFixed(1);
  const points = series => series
    .map((value, i) => ((i + ChartPoints - series.length) * 600 / (ChartPoints - 1)).toFixed(1) + ',' + (159 - value / scale * 150).toFixed(1))
    .join(' ');
  $('chart-p2p').setAttribute('points', points(dashboard.series.p2p));
  $('chart-pubsub').setAttribute('points', points(dashboard.series.pubsub));
}

const CounterLabels = {
  messagesReceived: 'Messages received',
  messagesSent: 'Messages sent',
  p2pDelivered: 'P2P delivered',
  p2pQueued: 'P2P queued offline',
  pubSubDelivered: 'Pub/sub delivered',
  pubSubQueued: 'Pub/sub queued offline',
  publishDropped: 'Dropped',
  clientsConnected: 'Clients connected',
  sessions: 'Sessions',
  subscriptions: 'Subscriptions',
  retainedMessages: 'Retained messages',
  offlineQueued: 'Kept offline',
};

function showCounters(counters) {
  const list = $('counters');
  list.replaceChildren(...Object.entries(CounterLabels).map(([name, label]) => {
    const pair = document.createElement('div');
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.id = 'counter-' + name;
    dd.textContent = String(counters[name]);
    pair.append(dt, dd);
    return pair;
  }));
}

function showClients(clients) {
  $('clients-count').textContent = clients.total > clients.list.length ? clients.list.length + ' of ' + clients.total : String(clients.total);
  fillTable('clients', clients.list, (row, client) => {
    row.dataset.clientId = client.clientId;
    cell(row, client.clientId);
    cell(row, client.group);
    cell(row, since(client.since));
    cell(row, client.address);
  });
}

function showOffline(offline) {
  $('offline-count').textContent = String(offline.total);
  fillTable('offline', offline.list, (row, queue) => {
    row.dataset.clientId = queue.clientId;
    cell(row, queue.clientId);
    cell(row, queue.group);
    cell(row, String(queue.count));
    cell(row, queue.online ? 'yes' : 'no');
  });
}

function showUplinks(uplinks) {
  // null: this access key may not see the uplinks (they serve every group).
  $('uplinks-panel').hidden = uplinks === null;
  if (uplinks === null) {
    return;
  }

  $('uplinks-none').hidden = uplinks.length > 0;
  $('uplinks').hidden = uplinks.length === 0;
  fillTable('uplinks', uplinks, (row, uplink) => {
    row.dataset.uplink = uplink.name;
    cell(row, uplink.name);
    cell(row, uplink.state);
    cell(row, uplink.address);
    cell(row, String(uplink.queued));
    cell(row, String(uplink.sent));
    cell(row, String(uplink.acknowledged));
    cell(row, String(uplink.dropped));
    cell(row, uplink.lastError || '');
  });
}

function showPairing() {
  const now = Date.now() + dashboard.serverOffsetMs;
  const open = dashboard.pairing.filter(window => window.expiresAt > now);
  $('pairing-windows').replaceChildren(...open.map(window => {
    const item = document.createElement('li');
    item.dataset.group = window.group;
    const left = Math.ceil((window.expiresAt - now) / 1000);
    item.textContent = 'Pairing window of ' + window.group + ' open: ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') + ' left';
    return item;
  }));
}

// ---- pairing and devices -------------------------------------------------------------------------------------------

async function openPairing(event) {
  event.preventDefault();
  const answer = await apiPost('/pairing/open', { group: $('pairing-group').value.trim(), seconds: $('pairing-seconds').value });
  $('pairing-error').textContent = answer.code === 0 ? '' : answer.message;
  if (answer.code === 0) {
    dashboard.pairing = dashboard.pairing.filter(window => window.group !== answer.group).concat([{ group: answer.group, expiresAt: answer.expiresAt }]);
    showPairing();
  }
}

async function pressPairingButton() {
  const response = await fetch('/pairing', { method: 'POST' });
  const status = await response.json();
  $('pairing-error').textContent = '';
  dashboard.pairing = status.pairingOpen ? [{ group: status.pairingGroup, expiresAt: Date.now() + dashboard.serverOffsetMs + status.pairingSecondsLeft * 1000 }] : [];
  showPairing();
}

async function loadDevices() {
  if (!dashboard.key && dashboard.capabilities.signedRequests) {
    return;
  }

  const answer = await apiGet('/devices', scopeParameters({})).catch(() => null);
  if (!answer) {
    return;
  }

  $('devices-error').textContent = answer.code === 0 ? '' : answer.message;
  if (answer.code !== 0) {
    return;
  }

  // A row being edited is left alone until its rename is sent.
  if ($('devices').querySelector('input:focus')) {
    return;
  }

  fillTable('devices', answer.devices, (row, device) => {
    row.dataset.clientId = device.clientId;
    const name = document.createElement('input');
    name.value = device.name || '';
    name.setAttribute('aria-label', 'Name of ' + device.clientId);
    const rename = document.createElement('button');
    rename.type = 'button';
    rename.textContent = 'Rename';
    rename.className = 'rename';
    rename.addEventListener('click', () => deviceAction('/devices/rename', { clientId: device.clientId, name: name.value }));
    cell(row, '').append(name, rename);
    cell(row, device.clientId);
    cell(row, device.group);
    cell(row, new Date(device.pairedAt).toLocaleString());
    const state = cell(row, device.revoked ? 'revoked' : 'paired');
    state.className = device.revoked ? 'revoked state' : 'state';
    const actions = cell(row, '');
    if (!device.revoked) {
      // Two clicks, so one slip of the mouse does not cut a device off. Which device is armed is kept here rather than
      // on the button, so the table's refresh between the two clicks does not disarm it.
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.textContent = dashboard.armedRevoke === device.clientId ? 'Confirm revoke' : 'Revoke';
      revoke.className = 'revoke';
      revoke.addEventListener('click', () => {
        if (dashboard.armedRevoke === device.clientId) {
          dashboard.armedRevoke = null;
          deviceAction('/devices/revoke', { clientId: device.clientId });
        } else {
          dashboard.armedRevoke = device.clientId;
          revoke.textContent = 'Confirm revoke';
        }
      });
      actions.append(revoke);
    }
  });
}

async function deviceAction(path, parameters) {
  const answer = await apiPost(path, parameters);
  $('devices-error').textContent = answer.code === 0 ? '' : answer.message;
  document.activeElement.blur();
  await loadDevices();
}

// ---- wiring --------------------------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => showLogin(''));
$('pairing-form').addEventListener('submit', openPairing);
$('pairing-button').addEventListener('click', pressPairingButton);
setInterval(showPairing, 250);
start();
