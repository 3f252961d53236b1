// Reading objects out of one packfile through its index (version 2, or 1): the fan-out table narrows the
// search to one first byte, a binary search over raw 20-byte oids finds the offset, and the entry
// is inflated in place (deltas resolved against their bases). Reads are positional and
// synchronous: a few microseconds each, far below what a round trip through the thread pool costs.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { CorruptObjectError } from '../errors.js';
import { Lru } from '../util/lru.js';
import type { GitObject } from './object-store.js';
import { applyDelta, CODE_TYPE, decodeEntryHeader, OFS_DELTA, REF_DELTA, TYPE_CODE } from './pack-format.js';
import { scanForEntry } from './tree-entry.js';
import type { TreeEntry } from './tree.js';

const IDX_MAGIC = 0xff744f63;

export class PackFile {
  private fd: number | undefined;
  private readonly count: number;
  /** where the fan-out table starts: after the header in version 2, at 0 in version 1 */
  private readonly fanoutAt: number;
  /** version 2 keeps oids (20 bytes each) and offsets in separate tables; version 1 interleaves
   *  a 4-byte offset and the oid in 24-byte records */
  private readonly v1: boolean;
  private readonly offsetsAt: number;
  /** delta bases recently used, by offset: delta chains share their bases */
  private readonly bases = new Lru<number, GitObject>(8 << 20, (o) => o.content.length + 100);

  private constructor(readonly base: string, private readonly idx: Buffer) {
    this.v1 = idx.readUInt32BE(0) !== IDX_MAGIC;
    this.fanoutAt = this.v1 ? 0 : 8;
    this.count = idx.readUInt32BE(this.fanoutAt + 255 * 4);
    this.offsetsAt = 8 + 1024 + this.count * 24;
  }

  /** Loads `<base>.idx` (version 2, or git's older version 1); undefined for anything else. */
  static load(base: string): PackFile | undefined {
    const idx = readFileSync(`${base}.idx`);
    if (idx.length < 1024 + 40) return undefined;
    if (idx.readUInt32BE(0) === IDX_MAGIC && idx.readUInt32BE(4) !== 2) return undefined;
    return new PackFile(base, idx);
  }

  /** Where the i-th oid (in oid order) starts in the index. */
  private oidAt(index: number): number {
    return this.v1 ? 1024 + index * 24 + 4 : 8 + 1024 + index * 20;
  }

  get size(): number {
    return this.count;
  }

  /** The entry's offset in the pack, or undefined when this pack does not hold the oid. */
  find(oid: Uint8Array): number | undefined {
    const first = oid[0];
    let lo = first === 0 ? 0 : this.idx.readUInt32BE(this.fanoutAt + (first - 1) * 4);
    let hi = this.idx.readUInt32BE(this.fanoutAt + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.oidAt(mid);
      const cmp = this.idx.compare(oid, 0, 20, at, at + 20) * -1;
      if (cmp === 0) return this.offsetOf(mid);
      if (cmp < 0) hi = mid;
      else lo = mid + 1;
    }
    return undefined;
  }

  private offsetOf(index: number): number {
    if (this.v1) return this.idx.readUInt32BE(1024 + index * 24);
    const small = this.idx.readUInt32BE(this.offsetsAt + index * 4);
    if (!(small & 0x80000000)) return small;
    const largeAt = this.offsetsAt + this.count * 4 + (small & 0x7fffffff) * 8;
    return Number(this.idx.readBigUInt64BE(largeAt));
  }

  /** Every (oid, offset) in the pack, in oid order. */
  *entries(): Generator<[string, number]> {
    for (let i = 0; i < this.count; i++) {
      const at = this.oidAt(i);
      yield [this.idx.toString('hex', at, at + 20), this.offsetOf(i)];
    }
  }

  private readBytes(offset: number, length: number): Buffer {
    this.fd ??= openSync(`${this.base}.pack`, 'r');
    const buf = Buffer.allocUnsafe(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    return n === length ? buf : buf.subarray(0, n);
  }

  /**
   * The raw entry at an offset (header and compressed data, exactly as stored), for copying into
   * another pack without inflating and deflating again.
   */
  rawEntry(offset: number, end: number): Uint8Array {
    return this.readBytes(offset, end - offset);
  }

  get fileSize(): number {
    this.fd ??= openSync(`${this.base}.pack`, 'r');
    return fstatSync(this.fd).size;
  }

  /** Reads the object at an offset; `external` finds a REF_DELTA base outside this pack. */
  read(offset: number, external: (oid: string) => GitObject | undefined): GitObject {
    const where = `${this.base}.pack@${offset}`;
    const head = this.readBytes(offset, 32);
    const header = decodeEntryHeader(head, where);
    // zlib output is never much larger than its input: size plus a little bounds the compressed bytes
    const window = this.readBytes(offset + header.length, header.size + (header.size >>> 6) + 64);
    let data: Buffer;
    try {
      // the header gives the exact size: one output buffer instead of 16 KiB chunks concatenated
      data = inflateSync(window, { chunkSize: Math.max(64, header.size) });
    } catch (error) {
      throw new CorruptObjectError({ path: where, reason: `entry does not inflate (${(error as Error).message})` });
    }
    if (data.length !== header.size) throw new CorruptObjectError({ path: where, reason: 'entry has the wrong size' });
    if (header.type !== OFS_DELTA && header.type !== REF_DELTA) {
      const type = CODE_TYPE[header.type];
      if (!type) throw new CorruptObjectError({ path: where, reason: `unknown entry type ${header.type}` });
      return { type, content: data };
    }
    let base: GitObject | undefined;
    if (header.type === OFS_DELTA) {
      const baseOffset = offset - header.baseDistance!;
      base = this.bases.get(baseOffset) ?? this.read(baseOffset, external);
      this.bases.set(baseOffset, base);
    } else {
      const at = this.find(Buffer.from(header.baseOid!, 'hex'));
      base = at !== undefined ? this.read(at, external) : external(header.baseOid!);
    }
    if (!base) throw new CorruptObjectError({ path: where, reason: 'delta base is missing' });
    return { type: base.type, content: applyDelta(Buffer.from(base.content), data, where) };
  }

  /**
   * Looks `name` up in a tree entry stored at zlib level 0 (the large folders we write) without
   * inflating it: the first stored block (64 KiB) is read and scanned alone, which settles names
   * that sort early; otherwise the rest is read in one call and its blocks joined. Returns null
   * when the entry is not such a tree (a delta, compressed data): the caller reads it whole.
   */
  scanStoredTree(offset: number, name: string): { entry?: TreeEntry } | null {
    const header = decodeEntryHeader(this.readBytes(offset, 32), this.base);
    if (header.type !== TYPE_CODE.tree) return null;
    const start = offset + header.length;
    const zlibHeader = this.readBytes(start, 2);
    if ((zlibHeader[0] & 0x0f) !== 8 || zlibHeader[1] & 0x20) return null;
    const first = this.readBytes(start + 2, 5);
    if (first.length < 5 || ((first[0] >> 1) & 3) !== 0) return null;
    const firstSize = first.readUInt16LE(1);
    const head = this.readBytes(start + 7, firstSize);
    const scan = scanForEntry(head, name);
    if (scan.done) return { entry: scan.found };
    if (first[0] & 1) return scan.consumed === head.length ? {} : null;
    // the rest, in one read when the blocks are as large as the first (zlib's block size follows
    // the compressor's output buffer, so that is a guess, and more is read if it falls short)
    const left = header.size - firstSize;
    const blockCount = Math.ceil(left / Math.max(firstSize, 1)) + 1;
    let raw = this.readBytes(start + 7 + firstSize, left + 5 * blockCount);
    const ensure = (end: number): boolean => {
      if (end > raw.length) raw = Buffer.concat([raw, this.readBytes(start + 7 + firstSize + raw.length, end - raw.length + 4096)]);
      return end <= raw.length;
    };
    const tree = Buffer.allocUnsafe(header.size);
    head.copy(tree);
    let filled = firstSize;
    for (let at = 0; ; ) {
      if (!ensure(at + 5) || ((raw[at] >> 1) & 3) !== 0) return null;
      const size = raw.readUInt16LE(at + 1);
      if (filled + size > tree.length || !ensure(at + 5 + size)) return null;
      filled += raw.copy(tree, filled, at + 5, at + 5 + size);
      if (raw[at] & 1) break;
      at += 5 + size;
    }
    if (filled !== tree.length) return null;
    const rest = scanForEntry(tree.subarray(scan.consumed), name);
    return { entry: rest.found };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
