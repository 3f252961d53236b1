// Git's packfile format (Documentation/gitformat-pack.txt): object entry headers, offset-delta
// encoding, and applying a delta to its base. Shared by the pack writer and reader.
import { CorruptObjectError } from '../../errors.js';
import { toHex } from '../../util/bytes.js';
import type { ObjectType } from '../object.js';

export const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
export const CODE_TYPE: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
export const OFS_DELTA = 6;
export const REF_DELTA = 7;

/** The variable-length header of a pack entry: type in bits 4-6 of the first byte, then the size. */
export function encodeEntryHeader(type: number, size: number): Uint8Array {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(byte);
  return new Uint8Array(bytes);
}

/** An OFS_DELTA's base reference: how far back its base starts, big-endian 7 bits a byte, each
 *  continuation adding one (so no distance has two encodings). decodeEntryHeader reads it. */
export function encodeOfsDistance(distance: number): Uint8Array {
  const bytes = [distance & 0x7f];
  for (let n = Math.floor(distance / 128); n > 0; n = Math.floor(n / 128)) {
    n--;
    bytes.unshift(0x80 | (n & 0x7f));
  }
  return new Uint8Array(bytes);
}

export interface EntryHeader {
  type: number;
  size: number;
  /** bytes the header (and, for deltas, the base reference) takes */
  length: number;
  /** OFS_DELTA: how far back the base starts */
  baseDistance?: number;
  /** REF_DELTA: the base's oid */
  baseOid?: string;
}

export function decodeEntryHeader(buf: Uint8Array, where: string): EntryHeader {
  let at = 0;
  let byte = buf[at++];
  const type = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let shift = 4;
  while (byte & 0x80) {
    if (at >= buf.length) throw new CorruptObjectError({ path: where, reason: 'pack entry header is truncated' });
    byte = buf[at++];
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (type === OFS_DELTA) {
    byte = buf[at++];
    let distance = byte & 0x7f;
    while (byte & 0x80) {
      byte = buf[at++];
      distance = (distance + 1) * 128 + (byte & 0x7f);
    }
    return { type, size, length: at, baseDistance: distance };
  }
  if (type === REF_DELTA) {
    return { type, size, length: at + 20, baseOid: toHex(buf, at, at + 20) };
  }
  return { type, size, length: at };
}

function readVarint(delta: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = delta[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** The size of the object a delta makes (the second of its two leading sizes), to reserve room for it. */
export function deltaResultSize(delta: Uint8Array): number {
  return readVarint(delta, readVarint(delta, 0)[1])[0];
}

/**
 * Rebuilds an object from its base and a git delta (copy and insert instructions). With `into`
 * and room there from `intoAt`, the object is written there and a view of it returned.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, where: string, maxSize = Infinity, into?: Uint8Array, intoAt = 0): Uint8Array {
  let [baseSize, at] = readVarint(delta, 0);
  let resultSize;
  [resultSize, at] = readVarint(delta, at);
  if (baseSize !== base.length) throw new CorruptObjectError({ path: where, reason: 'delta base has the wrong size' });
  // checked before the result is allocated: a few bytes of copy instructions can announce gigabytes
  if (resultSize > maxSize) throw new CorruptObjectError({ path: where, reason: `the delta makes an object of ${resultSize} bytes, over the limit of ${maxSize}` });
  const inPlace = into !== undefined && intoAt + resultSize <= into.length;
  const out = inPlace ? into : new Uint8Array(resultSize);
  const start = inPlace ? intoAt : 0;
  const end = start + resultSize;
  let written = start;
  while (at < delta.length) {
    const op = delta[at++];
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += delta[at++] * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (16 << bit)) size += delta[at++] << (8 * bit);
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || written + size > end) {
        throw new CorruptObjectError({ path: where, reason: 'delta copies outside its base' });
      }
      // a short copy (most of a small record's) byte by byte: a view per copy costs more
      if (size < 64) for (let i = 0; i < size; i++) out[written + i] = base[offset + i];
      else out.set(base.subarray(offset, offset + size), written);
      written += size;
    } else if (op > 0) {
      if (written + op > end || at + op > delta.length) throw new CorruptObjectError({ path: where, reason: 'delta inserts past its end' });
      for (let i = 0; i < op; i++) out[written + i] = delta[at + i];
      at += op;
      written += op;
    } else {
      throw new CorruptObjectError({ path: where, reason: 'delta has a reserved instruction' });
    }
  }
  if (written !== end) throw new CorruptObjectError({ path: where, reason: 'delta result has the wrong size' });
  return inPlace ? out.subarray(start, end) : out;
}
