// How the dashboard signs its API requests, exactly as docs/presence.md describes for every API client: the method and
// the path, each followed by a newline, then every parameter as name=value (the value before URL-encoding), those
// strings sorted by UTF-16 code unit and joined with '&', then Base64(HMAC-SHA1(key: the access key's secret, data:
// that string)), both in UTF-8. (The page calls none of ApsaraMQ's endpoints, which sign the parameters alone.) SHA-1 is computed here rather than
// with crypto.subtle, which browsers offer only on https:// and localhost pages, so the page also works when a
// gateway's HTTP port is opened by its LAN address.
'use strict';

const Signing = (() => {
  function sha1(bytes) {
    const words = new Uint32Array(80);
    const length = bytes.length;
    const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    const bits = length * 8;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padded.length - 4, bits >>> 0);
    let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
    for (let block = 0; block < padded.length; block += 64) {
      for (let i = 0; i < 16; i++) words[i] = view.getUint32(block + i * 4);
      for (let i = 16; i < 80; i++) {
        const x = words[i - 3] ^ words[i - 8] ^ words[i - 14] ^ words[i - 16];
        words[i] = (x << 1) | (x >>> 31);
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4;
      for (let i = 0; i < 80; i++) {
        let f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        const t = (((a << 5) | (a >>> 27)) + f + e + k + words[i]) >>> 0;
        e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
      }
      h0 = (h0 + a) >>> 0; h1 = (h1 + b) >>> 0; h2 = (h2 + c) >>> 0; h3 = (h3 + d) >>> 0; h4 = (h4 + e) >>> 0;
    }
    const digest = new Uint8Array(20);
    const out = new DataView(digest.buffer);
    [h0, h1, h2, h3, h4].forEach((h, i) => out.setUint32(i * 4, h));
    return digest;
  }

  function hmacSha1(key, message) {
    const block = new Uint8Array(64);
    block.set(key.length > 64 ? sha1(key) : key);
    const inner = new Uint8Array(64 + message.length);
    const outer = new Uint8Array(64 + 20);
    for (let i = 0; i < 64; i++) {
      inner[i] = block[i] ^ 0x36;
      outer[i] = block[i] ^ 0x5c;
    }
    inner.set(message, 64);
    outer.set(sha1(inner), 64);
    return sha1(outer);
  }

  const utf8 = new TextEncoder();

  function base64(bytes) {
    let binary = '';
    bytes.forEach(b => { binary += String.fromCharCode(b); });
    return btoa(binary);
  }

  function stringToSign(method, path, parameters) {
    return method + '\n' + path + '\n' + Object.entries(parameters)
      .filter(([name]) => name !== 'signature')
      .map(([name, value]) => name + '=' + value)
      .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
      .join('&');
  }

  /** A random nonce per request: the broker accepts a signed change once, and two clicks within a millisecond would
   * otherwise sign the same request twice. crypto.getRandomValues, unlike crypto.subtle, works on http:// pages too. */
  function nonce() {
    return Array.from(crypto.getRandomValues(new Uint8Array(8)), b => b.toString(16).padStart(2, '0')).join('');
  }

  /** The parameters to send with a request of method to path: the given ones, the access key, instance, timestamp and
   * nonce, and the signature of the method, the path and them all. */
  function sign(key, method, path, parameters) {
    const all = Object.assign({}, parameters, {
      accessKey: key.id,
      instanceId: key.instanceId,
      timestamp: String(Date.now()),
      nonce: nonce(),
    });
    all.signature = base64(hmacSha1(utf8.encode(key.secret), utf8.encode(stringToSign(method, path, all))));
    return all;
  }

  return { sign };
})();
