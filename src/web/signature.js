// ICE signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded parameters), the same
// algorithm as src/api/auth/signature-v1.ts and @alicloud/pop-core. The page signs in the browser
// so the AccessKeySecret never leaves it: only signatures go over the wire.

/** encodeURIComponent plus the five characters it leaves alone, as the SDKs encode. */
export function acsPercentEncode(value) {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/** Keys in UTF-16 code-unit order (Array.prototype.sort's default), as the server sorts them. */
export function v1StringToSign(method, params) {
  const canonical = Object.keys(params)
    .sort()
    .filter((key) => key !== 'Signature')
    .map((key) => `${acsPercentEncode(key)}=${acsPercentEncode(params[key] ?? '')}`)
    .join('&');
  return `${method.toUpperCase()}&${acsPercentEncode('/')}&${acsPercentEncode(canonical)}`;
}

/** A fresh random nonce; crypto.getRandomValues works on plain-http pages too, unlike randomUUID. */
export function randomHex(bytes = 16) {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The protocol parameters plus Signature, added to a copy of `params`. The trailing "&" of the
 * key is part of the algorithm (pop-core signs with secret + "&").
 */
export async function signV1(method, params, accessKeyId, accessKeySecret, options = {}) {
  const signed = {
    ...params,
    AccessKeyId: accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomHex(),
    Timestamp: new Date(options.now ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  signed.Signature = await hmacSha1Base64(`${accessKeySecret}&`, v1StringToSign(method, signed), options);
  return signed;
}

const utf8 = new TextEncoder();

/**
 * base64(HMAC-SHA1(key, message)). WebCrypto where the page may use it; browsers offer
 * crypto.subtle only to secure contexts (https, localhost), so a page opened over plain http on a
 * LAN address falls back to the small SHA-1 below. `options.forceFallback` lets tests compare both.
 */
export async function hmacSha1Base64(key, message, options = {}) {
  const keyBytes = utf8.encode(key);
  const data = utf8.encode(message);
  let mac;
  if (globalThis.crypto?.subtle && !options.forceFallback) {
    const cryptoKey = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
    mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, data));
  } else {
    mac = hmacSha1(keyBytes, data);
  }
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** HMAC (RFC 2104) over SHA-1 with a 64-byte block. */
function hmacSha1(key, data) {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha1(key) : key);
  const inner = new Uint8Array(64 + data.length);
  const outer = new Uint8Array(64 + 20);
  for (let i = 0; i < 64; i++) {
    inner[i] = block[i] ^ 0x36;
    outer[i] = block[i] ^ 0x5c;
  }
  inner.set(data, 64);
  outer.set(sha1(inner), 64);
  return sha1(outer);
}

/** SHA-1 (FIPS 180-4) of a byte array. */
export function sha1(bytes) {
  const length = bytes.length;
  const padded = new Uint8Array((((length + 8) >> 6) + 1) * 64);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  // The bit length as a 64-bit big-endian number; messages here are far below 2^32 bytes.
  view.setUint32(padded.length - 8, Math.floor((length * 8) / 2 ** 32));
  view.setUint32(padded.length - 4, (length * 8) >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f;
      let k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => outView.setUint32(i * 4, h));
  return out;
}
