// A set of 20-byte oids held in one buffer, each with a number (its place in that buffer): for
// the hundreds of thousands of oids a received pack holds or names, where a Map of 40-digit hex
// strings costs a string, a hash and a map entry each (memory and garbage). Open addressing over
// an Int32Array of numbers; the hash mixes the whole oid with a per-table random seed, because
// oids named inside a received tree are chosen by the sender, not computed here.

import { hexInto, toHex } from './bytes.js';

const EMPTY = -1;

export class OidTable {
  /** the oids, 20 bytes each, oid number n at [20n, 20n + 20) */
  oids: Uint8Array;
  /** how many numbers are in use (add's numbering; insert's caller numbers its own) */
  count = 0;
  private slots: Int32Array;
  private mask: number;
  private used = 0;
  private readonly seed = (Math.random() * 0x100000000) | 0;
  private readonly probe = new Uint8Array(20);

  /** `capacity`: the oids expected (more grows the table) */
  constructor(capacity = 64) {
    this.oids = new Uint8Array(Math.max(1, capacity) * 20);
    let size = 64;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  /** oids in the table */
  get size(): number {
    return this.used;
  }

  private hash(bytes: Uint8Array, at: number): number {
    let h = this.seed;
    for (let i = at; i < at + 20; i += 4) {
      h = Math.imul(h ^ ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]), 0x9e3779b1);
      h ^= h >>> 15;
    }
    return h;
  }

  private same(n: number, bytes: Uint8Array, at: number): boolean {
    const oids = this.oids;
    for (let i = 0, k = n * 20; i < 20; i++, k++) if (oids[k] !== bytes[at + i]) return false;
    return true;
  }

  /** The number of the oid at `bytes[at, at + 20)`, or -1. */
  find(bytes: Uint8Array, at = 0): number {
    for (let slot = this.hash(bytes, at) & this.mask; ; slot = (slot + 1) & this.mask) {
      const n = this.slots[slot];
      if (n === EMPTY) return -1;
      if (this.same(n, bytes, at)) return n;
    }
  }

  /** The number of a hex oid, or -1. */
  findHex(oid: string): number {
    hexInto(oid, this.probe);
    return this.find(this.probe);
  }

  has(oid: string): boolean {
    return this.findHex(oid) >= 0;
  }

  hexAt(n: number): string {
    return toHex(this.oids, n * 20, n * 20 + 20);
  }

  /**
   * Puts oid number `n`, already written at `oids[20n]`, in the table: returns `n`, or the number
   * of an equal oid already in (which stays).
   */
  insert(n: number): number {
    if ((this.used + 1) * 2 > this.slots.length) this.rehash();
    for (let slot = this.hash(this.oids, n * 20) & this.mask; ; slot = (slot + 1) & this.mask) {
      const m = this.slots[slot];
      if (m === EMPTY) {
        this.slots[slot] = n;
        this.used++;
        return n;
      }
      if (this.same(m, this.oids, n * 20)) return m;
    }
  }

  /** Adds the oid at `bytes[at, at + 20)` as the next number, unless it is in: its number either way. */
  add(bytes: Uint8Array, at = 0): number {
    const n = this.count;
    if ((n + 1) * 20 > this.oids.length) {
      const bigger = new Uint8Array(this.oids.length * 2);
      bigger.set(this.oids);
      this.oids = bigger;
    }
    this.oids.set(bytes.subarray(at, at + 20), n * 20);
    const found = this.insert(n);
    if (found === n) this.count++;
    return found;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (const n of old) {
      if (n === EMPTY) continue;
      let slot = this.hash(this.oids, n * 20) & this.mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot] = n;
    }
  }
}
