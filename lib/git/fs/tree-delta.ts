// A git delta (gitformat-pack, "Deltified representation") that rebuilds one version of a folder
// from another. Both are entries sorted by name, so one merge-join finds the entries the base
// holds byte for byte (copied) and the rest (inserted), with none of the window hashing of git's
// diff-delta: a 380 KB folder with ten entries changed becomes a delta of a few hundred bytes,
// which the receiving index-pack neither inflates nor reads whole.
import { compareKeys, sameEntriesEnd } from '../tree.js';

/** git writes copies of at most 64 KiB each; every reader takes them */
const MAX_COPY = 0x10000;
const MAX_INSERT = 0x7f;

/**
 * The delta from tree `base` to tree `target`, or undefined when it would take more than
 * `limit` bytes (then the whole object is the better entry). Malformed input also gives
 * undefined: the caller sends such an object whole, as stored.
 */
export function treeDelta(base: Uint8Array, target: Uint8Array, limit = target.length >> 1): Uint8Array | undefined {
  const out = new Uint8Array(limit + 32);
  let n = 0;
  const varint = (value: number) => {
    while (value >= 0x80) {
      out[n++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    out[n++] = value;
  };
  varint(base.length);
  varint(target.length);
  // the pending copy (a range of base) and insert (a range of target), written when the next
  // entry does not extend them
  let copyStart = 0;
  let copyEnd = 0;
  let insertStart = 0;
  let insertEnd = 0;
  const flushCopy = (): boolean => {
    for (let at = copyStart; at < copyEnd; ) {
      const size = Math.min(MAX_COPY, copyEnd - at);
      if (n + 8 > limit) return false;
      const op = n++;
      let bits = 0x80;
      for (let b = 0; b < 4; b++) {
        const byte = Math.floor(at / 2 ** (8 * b)) & 0xff;
        if (byte) {
          bits |= 1 << b;
          out[n++] = byte;
        }
      }
      for (let b = 0; b < 3; b++) {
        const byte = (size >> (8 * b)) & 0xff;
        if (byte) {
          bits |= 0x10 << b;
          out[n++] = byte;
        }
      }
      out[op] = bits;
      at += size;
    }
    copyStart = copyEnd = 0;
    return true;
  };
  const flushInsert = (): boolean => {
    for (let at = insertStart; at < insertEnd; ) {
      const size = Math.min(MAX_INSERT, insertEnd - at);
      if (n + 1 + size > limit) return false;
      out[n++] = size;
      out.set(target.subarray(at, at + size), n);
      n += size;
      at += size;
    }
    insertStart = insertEnd = 0;
    return true;
  };

  // base[from, from + length) next in the target: the pending copy extended when it ends there
  let j = 0;
  const copy = (from: number, length: number): boolean => {
    if (!flushInsert()) return false;
    if (copyEnd !== from || copyEnd === copyStart) {
      if (!flushCopy()) return false;
      copyStart = from;
    }
    copyEnd = j = from + length;
    return true;
  };
  for (let i = 0; i < target.length; ) {
    // the common case: the base holds the same entries at the same place. The bytes equal from
    // here on, in one tight loop; every whole entry among them is the base's (a name ends at the
    // first NUL in both), copied as one range
    const whole = sameEntriesEnd(target, i, base, j);
    if (whole > i) {
      if (!copy(j, whole - i)) return undefined;
      i = whole;
      if (i === target.length) break;
    }
    const space = target.indexOf(0x20, i);
    const nul = space < 0 ? -1 : target.indexOf(0, space + 1);
    if (nul < 0 || nul + 21 > target.length) return undefined;
    const end = nul + 21;
    // a changed, added or moved entry: step the base past the names sorting before it, onto
    // this name if it has it
    const isTree = space - i === 5 && target[i] === 0x34;
    let match = -1;
    while (j < base.length) {
      const bSpace = base.indexOf(0x20, j);
      const bNul = bSpace < 0 ? -1 : base.indexOf(0, bSpace + 1);
      if (bNul < 0 || bNul + 21 > base.length) return undefined;
      const cmp = compareKeys(base, bSpace + 1, bNul, bSpace - j === 5 && base[j] === 0x34, target, space + 1, nul, isTree);
      if (cmp > 0) break;
      if (cmp === 0 && bNul + 21 - j === end - i) {
        let equal = true;
        for (let k = 0; equal && k < end - i; k++) equal = base[j + k] === target[i + k];
        if (equal) match = j;
      }
      if (cmp === 0) {
        if (match < 0) j = bNul + 21;
        break;
      }
      j = bNul + 21;
    }
    if (match >= 0) {
      // the same entry further on in the base (entries before it removed): copied from there
      if (!copy(match, end - i)) return undefined;
    } else {
      if (!flushCopy()) return undefined;
      if (insertEnd !== i) insertStart = i;
      insertEnd = end;
    }
    i = end;
  }
  if (!flushCopy() || !flushInsert()) return undefined;
  return out.slice(0, n);
}
