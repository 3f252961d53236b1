// Writes objects as one packfile and its version-2 index, the format git and isomorphic-git read.
// One file pair per batch instead of a file per object: a commit of 30,000 objects is two fsyncs.
import { platform } from '../../platform/current.js';
import { compareBytes, concatBytes, hexInto, readUInt32BE, toHex, uint32BE, utf8, writeUInt32BE, writeUInt64BE } from '../../util/bytes.js';
import type { PendingObject } from '../object.js';
import type { Durability, FileSystem, PackIndexRecords } from '../ports.js';
import { placeTogether, type Streamed, writeStreamed } from './lockfile.js';
import { encodeEntryHeader, TYPE_CODE } from './pack-format.js';
import { join } from './paths.js';

/** A ready-made pack entry: header and compressed bytes, copied as is when packs are merged. */
export interface RawEntry {
  oid: string;
  /** the entry's bytes in a pack: header (plus base reference for deltas) and zlib data */
  bytes: Uint8Array;
}

/** Above this size an object is stored without compression (zlib level 0). */
const STORE_ABOVE = 64 * 1024;

export function packEntry(object: PendingObject): RawEntry {
  const header = encodeEntryHeader(TYPE_CODE[object.type], object.content.length);
  // Level 1 for the small JSON files and trees that are most objects. A large object here is a
  // large folder's tree, rewritten on every commit to it: 20-byte random oids compress by ~30%
  // at ~40 MB/s, so storing it is 7x faster per commit (docs/PERFORMANCE.md).
  const level = object.content.length > STORE_ABOVE ? 0 : 1;
  return { oid: object.oid, bytes: concatBytes([header, platform().deflate(object.content, level)]) };
}

/** What the index records of one entry. */
export interface IndexedEntry {
  oid: string;
  crc: number;
}

/**
 * Entry numbers in oid order. The first 4 bytes of each oid and the entry's number packed in one
 * double (32 + 21 bits) sort natively as numbers, with no comparator called from JavaScript (a
 * string sort of 200,000 oids cost ~1 s); entries sharing those 4 bytes (a handful) are then put
 * in oid order among themselves.
 */
function oidOrder(n: number, oids: Uint8Array): Uint32Array {
  const order = new Uint32Array(n);
  const byOid = (a: number, b: number) => compareBytes(oids, oids, a * 20, a * 20 + 20, b * 20, b * 20 + 20);
  if (n >= 1 << 21) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort(byOid);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = readUInt32BE(oids, i * 20) * 2 ** 21 + i;
  keys.sort();
  for (let i = 0; i < n; i++) order[i] = keys[i] % 2 ** 21;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    const prefix = Math.floor(keys[i] / 2 ** 21);
    while (j < n && Math.floor(keys[j] / 2 ** 21) === prefix) j++;
    if (j - i > 1) order.subarray(i, j).sort(byOid);
    i = j;
  }
  return order;
}

/** The index (.idx, version 2) for entries laid out in a pack at the given offsets. */
export function buildIndex(entries: IndexedEntry[], offsets: number[], packChecksum: Uint8Array): Uint8Array {
  const n = entries.length;
  const oids = new Uint8Array(n * 20);
  for (let i = 0; i < n; i++) hexInto(entries[i].oid, oids, i * 20);
  return buildIndexOf({ count: n, oids, crcs: entries.map((e) => e.crc), offsets }, packChecksum);
}

/** The index (.idx, version 2) of entries given as raw oids, CRCs and offsets (a received pack's). */
export function buildIndexOf(records: PackIndexRecords, packChecksum: Uint8Array): Uint8Array {
  const { count: n, oids: byEntry, crcs: crcOf, offsets } = records;
  const order = oidOrder(n, byEntry);
  const fanout = new Uint8Array(256 * 4);
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < n; i++) counts[byEntry[i * 20]]++;
  let total = 0;
  for (let i = 0; i < 256; i++) writeUInt32BE(fanout, (total += counts[i]), i * 4);
  const oids = new Uint8Array(n * 20);
  const crcs = new Uint8Array(n * 4);
  const small = new Uint8Array(n * 4);
  const large: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const index = order[i];
    // a byte loop: a subarray per entry would allocate 200,000 views
    for (let k = 0, from = index * 20, to = i * 20; k < 20; k++) oids[to + k] = byEntry[from + k];
    writeUInt32BE(crcs, crcOf[index], i * 4);
    const offset = offsets[index];
    if (offset < 0x80000000) writeUInt32BE(small, offset, i * 4);
    else {
      writeUInt32BE(small, (0x80000000 | large.length) >>> 0, i * 4);
      const b = new Uint8Array(8);
      writeUInt64BE(b, offset, 0);
      large.push(b);
    }
  }
  const body = concatBytes([new Uint8Array([0xff, 0x74, 0x4f, 0x63]), uint32BE(2), fanout, oids, crcs, small, ...large, packChecksum]);
  const hash = platform().sha1Hasher();
  hash.update(body);
  return concatBytes([body, hash.digest()]);
}

/**
 * Writes entries as `pack-<checksum>.pack` and `.idx` in `packDir` (placePack). Entries are
 * streamed to the file as they come, so a pack of 300,000 objects is never held in memory whole.
 * Returns the pack's name.
 */
export async function writePack(
  fs: FileSystem,
  packDir: string,
  count: number,
  entries: Iterable<RawEntry> | AsyncIterable<RawEntry>,
  durability: Durability = 'fsync',
): Promise<string> {
  const temp = await writeStreamed(fs, packDir, 'tmp_pack_');
  const host = platform();
  const hash = host.sha1Hasher();
  const written: IndexedEntry[] = [];
  const offsets: number[] = [];
  let chunk: Uint8Array[] = [];
  let chunkSize = 0;
  let at = 0;
  const flush = () => {
    temp.file.write(concatBytes(chunk));
    chunk = [];
    chunkSize = 0;
  };
  const emit = (bytes: Uint8Array) => {
    hash.update(bytes);
    chunk.push(bytes);
    chunkSize += bytes.length;
    at += bytes.length;
    if (chunkSize >= 1 << 20) flush();
  };
  let checksum: Uint8Array;
  try {
    emit(concatBytes([utf8('PACK'), uint32BE(2), uint32BE(count)]));
    const add = (entry: RawEntry) => {
      offsets.push(at);
      // the index needs only the oid and the CRC of each entry, not its bytes
      written.push({ oid: entry.oid, crc: host.crc32(entry.bytes) });
      emit(entry.bytes);
    };
    // entries read as they are written (a merge of packs) come asynchronously; a commit's are at hand
    if (Symbol.asyncIterator in entries) for await (const entry of entries) add(entry);
    else for (const entry of entries) add(entry);
    if (written.length !== count) throw new Error(`pack announced ${count} objects but got ${written.length}`);
    checksum = hash.digest();
    chunk.push(checksum);
    flush();
  } catch (error) {
    await temp.abort();
    throw error;
  }
  return placePack(fs, packDir, temp, buildIndex(written, offsets, checksum), checksum, durability);
}

/**
 * Places a pack streamed to a temporary file, with its index: both flushed at once, renamed pack
 * first (a reader that finds the index finds a complete pack), the directory flushed once.
 * Returns the pack's name.
 */
export async function placePack(fs: FileSystem, packDir: string, pack: Streamed, index: Uint8Array, checksum: Uint8Array, durability: Durability): Promise<string> {
  const name = `pack-${toHex(checksum)}`;
  let idx: Streamed | undefined;
  try {
    idx = await writeStreamed(fs, packDir, 'tmp_idx_');
    idx.file.write(index);
  } catch (error) {
    await idx?.abort();
    await pack.abort();
    throw error;
  }
  const files = [
    { streamed: pack, path: join(packDir, `${name}.pack`) },
    { streamed: idx, path: join(packDir, `${name}.idx`) },
  ];
  await placeTogether(fs, packDir, files, durability);
  return name;
}
