// Changed-path Bloom filters exactly as git computes them (bloom.c), so that a commit-graph written
// here speeds up `git log -- <path>` and one written by git speeds up our history: murmur3 with
// seeds 0x293ae76f and 0x7e646e2c, 7 double-hashed bit positions, 10 bits per changed path (files
// and their leading directories), one byte per filter at least; more than 512 paths, one byte of
// ones ("anything may have changed").
import { utf8 } from '../util/bytes.js';

export const BLOOM_HASHES = 7;
export const BLOOM_BITS_PER_ENTRY = 10;
export const BLOOM_MAX_PATHS = 512;

const SEED0 = 0x293ae76f;
const SEED1 = 0x7e646e2c;

/**
 * murmur3_32. Version 1 is git's first, which read bytes as C's signed char (x86): a byte ≥ 0x80
 * sign-extends over the higher bytes of its word. Version 2 reads them unsigned. The two agree on
 * ASCII paths.
 */
export function murmur3(seed: number, data: Uint8Array, version: 1 | 2): number {
  const byte = version === 1 ? (i: number) => (data[i] << 24) >> 24 : (i: number) => data[i];
  let h = seed >>> 0;
  const len4 = data.length >>> 2;
  for (let i = 0; i < len4; i++) {
    const at = 4 * i;
    let k = (byte(at) | (byte(at + 1) << 8) | (byte(at + 2) << 16) | (byte(at + 3) << 24)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len4 * 4;
  let k1 = 0;
  const rest = data.length & 3;
  if (rest === 3) k1 ^= byte(tail + 2) << 16;
  if (rest >= 2) k1 ^= byte(tail + 1) << 8;
  if (rest >= 1) {
    k1 ^= byte(tail);
    k1 = Math.imul(k1, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, 0x1b873593);
    h ^= k1;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The bit positions (before the modulo of a filter's size) one path sets. */
export type BloomKey = Uint32Array;

export function bloomKey(path: string, version: 1 | 2): BloomKey {
  const bytes = utf8(path);
  const h0 = murmur3(SEED0, bytes, version);
  const h1 = murmur3(SEED1, bytes, version);
  const key = new Uint32Array(BLOOM_HASHES);
  for (let i = 0; i < BLOOM_HASHES; i++) key[i] = (h0 + Math.imul(i, h1)) >>> 0;
  return key;
}

/** Keys for a path and each of its leading directories: a change below them sets them all. */
export function bloomKeys(path: string, version: 1 | 2): BloomKey[] {
  const keys = [bloomKey(path, version)];
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) keys.push(bloomKey(path.slice(0, slash), version));
  return keys;
}

/** False when the filter says for sure that the path (and so the commit's change of it) is absent. */
export function mayContain(filter: Uint8Array, keys: readonly BloomKey[]): boolean {
  const bits = filter.length * 8;
  for (const key of keys) {
    for (let i = 0; i < BLOOM_HASHES; i++) {
      const bit = key[i] % bits;
      if (!(filter[bit >>> 3] & (1 << (bit & 7)))) return false;
    }
  }
  return true;
}

/** The filter of a commit whose diff against its first parent touches these files. */
export function bloomFilter(files: Iterable<string>, version: 1 | 2): Uint8Array {
  const paths = new Set<string>();
  for (const file of files) {
    for (let p = file; p && !paths.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) paths.add(p);
  }
  if (paths.size > BLOOM_MAX_PATHS) return Uint8Array.of(0xff);
  const filter = new Uint8Array(Math.max(1, Math.ceil((paths.size * BLOOM_BITS_PER_ENTRY) / 8)));
  const bits = filter.length * 8;
  for (const path of paths) {
    const key = bloomKey(path, version);
    for (let i = 0; i < BLOOM_HASHES; i++) {
      const bit = key[i] % bits;
      filter[bit >>> 3] |= 1 << (bit & 7);
    }
  }
  return filter;
}
