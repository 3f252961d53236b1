// SHA-1 in plain JavaScript, for hosts without Node's crypto (browsers). Synchronous, so the index
// can hash trees with no I/O, and needs no initialization, unlike WebAssembly (hash-wasm must be
// compiled asynchronously first) or WebCrypto (async only). Measured in V8 against hash-wasm's
// SHA-1: see docs/BROWSER.md; git objects are small, so per-call overhead matters more than
// throughput.
import { toHex } from './bytes.js';

const W = new Int32Array(80);

/** A streaming SHA-1 (FIPS 180-4). */
export class Sha1 {
  private h0 = 0x67452301;
  private h1 = 0xefcdab89 | 0;
  private h2 = 0x98badcfe | 0;
  private h3 = 0x10325476;
  private h4 = 0xc3d2e1f0 | 0;
  /** the bytes of an unfinished 64-byte block */
  private readonly block = new Uint8Array(64);
  private filled = 0;
  private length = 0;

  update(data: Uint8Array): this {
    let at = 0;
    this.length += data.length;
    if (this.filled > 0) {
      const take = Math.min(64 - this.filled, data.length);
      this.block.set(data.subarray(0, take), this.filled);
      this.filled += take;
      at = take;
      if (this.filled < 64) return this;
      this.compress(this.block, 0);
      this.filled = 0;
    }
    for (; at + 64 <= data.length; at += 64) this.compress(data, at);
    if (at < data.length) {
      this.block.set(data.subarray(at), 0);
      this.filled = data.length - at;
    }
    return this;
  }

  /** The 20-byte digest; the hasher is done after this. */
  digest(): Uint8Array {
    const bits = this.length * 8;
    const pad = new Uint8Array((this.filled < 56 ? 64 : 128) - this.filled);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(pad.length - 4, bits >>> 0);
    this.update(pad);
    const out = new Uint8Array(20);
    const o = new DataView(out.buffer);
    o.setInt32(0, this.h0);
    o.setInt32(4, this.h1);
    o.setInt32(8, this.h2);
    o.setInt32(12, this.h3);
    o.setInt32(16, this.h4);
    return out;
  }

  private compress(data: Uint8Array, at: number): void {
    for (let i = 0; i < 16; i++, at += 4) W[i] = (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = this.h0, b = this.h1, c = this.h2, d = this.h3, e = this.h4, t = 0, i = 0;
    // four loops, one per round function: a branch per step costs V8 more than the step
    for (; i < 20; i++) {
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + W[i] + 0x5a827999) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (; i < 40; i++) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + W[i] + 0x6ed9eba1) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (; i < 60; i++) {
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + W[i] - 0x70e44324) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    for (; i < 80; i++) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + W[i] - 0x359d3e2a) | 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    this.h0 = (this.h0 + a) | 0;
    this.h1 = (this.h1 + b) | 0;
    this.h2 = (this.h2 + c) | 0;
    this.h3 = (this.h3 + d) | 0;
    this.h4 = (this.h4 + e) | 0;
  }
}

/** SHA-1 of the parts joined, as 40 lower-case hex digits. */
export function sha1Hex(...parts: Uint8Array[]): string {
  const hash = new Sha1();
  for (const part of parts) hash.update(part);
  return toHex(hash.digest());
}
