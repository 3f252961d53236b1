// Byte helpers over plain Uint8Array, so that nothing outside the Node platform needs Node's
// Buffer: hex and text conversions, big-endian integers, concatenation and comparison. Measured
// against Buffer's own on the hot paths (tree scans, pack index lookups): equal or faster, since
// a short JavaScript loop beats a call into C++ for 20-byte oids and short names.

const HEX_DIGITS = '0123456789abcdef';
/** char codes of the two hex digits of each byte value, high then low */
const HEX_CODES = new Uint16Array(512);
/** each hex digit's value by char code; 255 for a character that is not one */
const HEX_VALUES = new Uint8Array(128).fill(255);
for (let i = 0; i < 256; i++) {
  HEX_CODES[2 * i] = HEX_DIGITS.charCodeAt(i >> 4);
  HEX_CODES[2 * i + 1] = HEX_DIGITS.charCodeAt(i & 15);
}
for (let i = 0; i < 16; i++) {
  HEX_VALUES[HEX_DIGITS.charCodeAt(i)] = i;
  HEX_VALUES[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
}

const codes: number[] = [];

/** Lower-case hex of `bytes[start, end)` (an oid is 20 bytes: 40 digits). */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start > 64) {
    let out = '';
    for (let at = start; at < end; at += 64) out += toHex(bytes, at, Math.min(end, at + 64));
    return out;
  }
  codes.length = 2 * (end - start);
  for (let i = start, j = 0; i < end; i++, j += 2) {
    const b = bytes[i];
    codes[j] = HEX_CODES[2 * b];
    codes[j + 1] = HEX_CODES[2 * b + 1];
  }
  return String.fromCharCode.apply(null, codes);
}

/** Writes the bytes a hex string spells into `out` at `at`; throws on a character that is not a hex digit. */
export function hexInto(hex: string, out: Uint8Array, at = 0): void {
  if (hex.length % 2) throw new TypeError(`hex ${JSON.stringify(hex)} has an odd length`);
  for (let i = 0; i < hex.length; i += 2) {
    const hi = HEX_VALUES[hex.charCodeAt(i)] ?? 255;
    const lo = HEX_VALUES[hex.charCodeAt(i + 1)] ?? 255;
    if (hi === 255 || lo === 255) throw new TypeError(`${JSON.stringify(hex)} is not hex`);
    out[at + i / 2] = (hi << 4) | lo;
  }
}

/** The bytes a hex string spells. */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  hexInto(hex, out);
  return out;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is kept as text, as Buffer#toString keeps it
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const scratch = new Uint8Array(3 * 256);

/** A string's UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  // encodeInto and a copy beat encode() for short strings (names, headers) by ~4x on Node 20
  if (text.length <= 256) return scratch.slice(0, encoder.encodeInto(text, scratch).written);
  return encoder.encode(text);
}

/** UTF-8 text of `bytes[start, end)`; malformed sequences become U+FFFD, as Buffer#toString does. */
export function fromUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  // a short ASCII name (most tree entries: a folder of 100,000 objects is 100,000 of them) a
  // character a byte: cheaper than a call into the decoder and a subarray
  if (end - start <= 32) {
    let out = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      out += String.fromCharCode(b);
    }
    return out;
  }
  return decoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
}

/** Each byte of `bytes[start, end)` as one character (U+0000–U+00FF). */
export function fromLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let at = start; at < end; at += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 4096)) as unknown as number[]);
  }
  return out;
}

/** The parts joined into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Compares `a[aStart, aEnd)` with `b[bStart, bEnd)` byte by byte, as Buffer.compare does:
 * negative, zero or positive.
 */
export function compareBytes(
  a: Uint8Array,
  b: Uint8Array,
  aStart = 0,
  aEnd = a.length,
  bStart = 0,
  bEnd = b.length,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[bStart + i];
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/** Whether two byte ranges hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

export function readUInt32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function readUInt16LE(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8);
}

/** An unsigned 64-bit big-endian integer (pack offsets past 2 GiB); exact up to 2^53. */
export function readUInt64BE(bytes: Uint8Array, at: number): number {
  return readUInt32BE(bytes, at) * 2 ** 32 + readUInt32BE(bytes, at + 4);
}

export function writeUInt32BE(bytes: Uint8Array, value: number, at: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

export function writeUInt64BE(bytes: Uint8Array, value: number, at: number): void {
  writeUInt32BE(bytes, Math.floor(value / 2 ** 32), at);
  writeUInt32BE(bytes, value >>> 0, at + 4);
}

/** Four bytes holding `value` big-endian. */
export function uint32BE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  writeUInt32BE(out, value, 0);
  return out;
}
