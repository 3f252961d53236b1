// Reading a whole pack received from another repository (a fetch), as `git index-pack` does: a
// first pass in pack order inflates every entry once, hashes each whole object and keeps each
// delta's (small) instructions; a second pass resolves the deltas depth first from each base,
// every result hashed, so a base is held only while its deltas are applied (the bases of a pack
// git wrote lie anywhere before their deltas: a cache of recent objects either held most of the
// pack or missed). The pack is read through a window (a file received to disk is never held
// whole); what stays is one record per entry in typed arrays (offset, type, CRC, oid bytes) and
// the deltas' instructions up to a bound. Each object is handed to `visit` and dropped. Nothing of
// a damaged pack is ever made visible here.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { hexInto, readUInt32BE } from '../../util/bytes.js';
import { Lru } from '../../util/lru.js';
import { OidTable } from '../../util/oid-table.js';
import { hashObject, OBJECT_HEADER_ROOM, writeObjectHeader, type GitObject, type ObjectType, type PendingObject } from '../object.js';
import type { PackIndexRecords } from '../ports.js';
import { applyDelta, CODE_TYPE, decodeEntryHeader, deltaResultSize, OFS_DELTA, REF_DELTA } from './pack-format.js';

/** A pack's bytes read by position: a file (the FileSystem port's RandomAccessFile) or memory. */
export interface PackBytes {
  /** `length` bytes from `position`, fewer at the end */
  read(position: number, length: number): Uint8Array;
  size(): number;
}

/** Every entry of a pack, by entry number (pack order): what its index records (buildIndexOf writes it). */
export interface IndexedPack extends PackIndexRecords {
  offsets: Float64Array;
  crcs: Uint32Array;
  /** every oid in the pack, numbered by entry (its `oids` are the records' oids) */
  table: OidTable;
  /** some REF_DELTA base is outside the pack: it cannot be stored as it is */
  thin: boolean;
  /** the most bytes of the pack held at once (the read window): bounded, not the pack's size */
  largestRead: number;
  /**
   * An object of the pack read again after indexing (the connectivity check reads trees), through
   * reads of its entry alone and a cache of resolved objects, bounded by bytes (a folder's versions
   * chain through each other's trees); undefined for an oid the pack does not hold.
   */
  read(oid: string): Promise<GitObject | undefined>;
}

export interface IndexPackOptions {
  /** a REF_DELTA base the pack does not hold */
  external?: (oid: string) => Promise<GitObject | undefined>;
  /** for messages */
  name?: string;
  /** the largest object (or delta) accepted, in bytes: a received pack is untrusted input */
  maxObjectSize?: number;
  /**
   * each object once: whole objects in pack order, then deltas as they are resolved. `content` is
   * valid only during the call (the indexer's buffers are reused): copy what is kept.
   */
  visit?: (object: PendingObject) => void;
  /** the bound on deltas' instructions kept between the passes, in bytes (DELTA_BYTES; tests make it small) */
  deltaBytes?: number;
}

/** Bytes read from a file at a time; an entry larger than this is read whole (up to maxObjectSize). */
const WINDOW = 1 << 20;
/** Deltas' instructions kept from the first pass to the second; past this they are inflated again. */
const DELTA_BYTES = 16 << 20;
/** They are kept in chunks of this size (a doubling buffer would hold up to twice what it keeps); a larger delta is inflated again. */
const CHUNK = 1 << 20;
/** Where objects are inflated and deltas applied (the chain being resolved); a larger one is allocated. */
const ARENA = 1 << 20;
const MAX_DEPTH = 10_000;
const ROOM = OBJECT_HEADER_ROOM;
/** Objects read again after indexing kept for the deltas that follow them, in bytes. */
const READ_AGAIN_CACHE = 32 << 20;

function memory(bytes: Uint8Array): PackBytes {
  return { read: (position, length) => bytes.subarray(position, position + length), size: () => bytes.length };
}

/** Every object of a pack, held in memory (small packs; the memory backend); see indexPack. */
export async function parsePack(pack: Uint8Array, external: (oid: string) => Promise<GitObject | undefined>, name = 'received pack'): Promise<PendingObject[]> {
  const objects: PendingObject[] = [];
  await indexPack(pack, { external, name, visit: (o) => void objects.push({ type: o.type, oid: o.oid, content: o.content.slice() }) });
  return objects;
}

/** A resolved object whose deltas are being applied (the second pass's stack). */
interface Frame {
  type: ObjectType;
  content: Uint8Array;
  /** the next OFS_DELTA child and the next REF_DELTA child to resolve (-1: none left) */
  ofs: number;
  ref: number;
  /** the arena's top before this object: restored when its deltas are done */
  top: number;
}

/**
 * Indexes a pack whose trailer receivePack already checked: every entry inflated and hashed (its
 * deltas resolved), the entry count and the end checked. Throws CorruptObjectError for anything
 * malformed.
 */
export async function indexPack(source: Uint8Array | PackBytes, options: IndexPackOptions = {}): Promise<IndexedPack> {
  const { external = async () => undefined, name = 'received pack', maxObjectSize = Infinity, visit, deltaBytes = DELTA_BYTES } = options;
  const pack = source instanceof Uint8Array ? memory(source) : source;
  const inMemory = source instanceof Uint8Array;
  const total = pack.size();
  if (total < 32) throw new CorruptObjectError({ path: name, reason: 'too short to be a pack' });
  const limit = total - 20;
  const count = readUInt32BE(pack.read(8, 4), 0);
  // an entry takes at least 9 bytes (a header byte, the shortest zlib stream): checked before
  // anything is allocated by the count
  if (count * 9 > limit - 12) throw new CorruptObjectError({ path: name, reason: `the pack announces ${count} objects in ${limit - 12} bytes` });
  const host = platform();

  // the window: bytes [winStart, winStart + win.length) of the pack
  let win: Uint8Array = new Uint8Array(0);
  let winStart = 0;
  let largestRead = 0;
  /**
   * makes the window hold [from, from + length) (less at the end of the entries); `exact`: read
   * only that (the second pass's entries lie anywhere: a whole window for each would read the pack
   * many times over)
   */
  const cover = (from: number, length: number, exact = false) => {
    const end = Math.min(limit, from + length);
    if (from >= winStart && end <= winStart + win.length) return;
    const take = inMemory ? limit - from : exact ? end - from : Math.max(end - from, Math.min(WINDOW, limit - from));
    win = pack.read(from, take);
    winStart = from;
    if (!inMemory) largestRead = Math.max(largestRead, take);
  };

  /**
   * Inflates the entry at `offset` whose data starts at `start` (into `into` at `intoAt` when it
   * fits): its bytes and where its stream ends. `entryEnd`, when known: the entry's bytes are read
   * alone.
   */
  const inflate = (offset: number, start: number, size: number, where: string, into?: Uint8Array, intoAt?: number, entryEnd?: number): { data: Uint8Array; end: number } => {
    // a zlib stream is rarely much longer than its output; a window too short for it is grown
    for (let want = start - offset + size + (size >> 3) + 64; ; want *= 2) {
      if (entryEnd === undefined) cover(offset, want);
      else cover(offset, Math.max(32, entryEnd - offset), true);
      const reachesEnd = entryEnd !== undefined || winStart + win.length >= limit;
      try {
        const { data, consumed } = host.inflateAt(win, start - winStart, size, where, into, intoAt);
        return { data, end: start + consumed };
      } catch (error) {
        // cut by the window, not by the pack: read further
        if (reachesEnd || !(error instanceof CorruptObjectError)) throw error;
      }
    }
  };
  const header = (at: number) => {
    cover(at, 32);
    return decodeEntryHeader(win.subarray(at - winStart, Math.min(at - winStart + 32, limit - winStart)), `${name}@${at}`);
  };

  // per entry, in pack order
  const offsets = new Float64Array(count + 1);
  const types = new Uint8Array(count);
  const crcs = new Uint32Array(count);
  /** an OFS_DELTA's base entry (-1 for the others) */
  const baseOf = new Int32Array(count).fill(-1);
  /** the next delta with the same base (its OFS base entry, or its REF base oid) */
  const sibling = new Int32Array(count).fill(-1);
  /** where a delta's instructions are kept (chunk * CHUNK + offset; -1: inflated again when needed), and their length */
  const deltaAt = new Int32Array(count).fill(-1);
  const deltaLength = new Int32Array(count);
  const table = new OidTable(count);
  /** REF_DELTA bases by oid, each with its first delta (`refFirst`, then `sibling`) */
  const refs = new OidTable(16);
  const refFirst: number[] = [];
  const probe = new Uint8Array(20);
  const chunks: Uint8Array[] = [];
  /** the last chunk's bytes in use, and the bytes kept in all */
  let chunkTop = 0;
  let kept = 0;
  let arena = new Uint8Array(Math.min(ARENA, Math.max(4096, 2 * (limit - 12))));
  let resolved = 0;
  let thin = false;

  /** Records entry `i`'s object; `roomy`: `content` has OBJECT_HEADER_ROOM bytes of ours before it, for the header. */
  const record = (i: number, type: ObjectType, content: Uint8Array, roomy: boolean) => {
    let oid: string;
    if (roomy) {
      const start = content.byteOffset - ROOM;
      const whole = new Uint8Array(content.buffer, start, ROOM + content.length);
      oid = host.sha1(whole.subarray(writeObjectHeader(type, content.length, whole, ROOM)));
    } else oid = hashObject(type, content);
    hexInto(oid, table.oids, i * 20);
    if (table.insert(i) !== i) throw new CorruptObjectError({ path: name, reason: `object ${oid} is in the pack twice` });
    resolved++;
    visit?.({ type, oid, content });
  };

  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at >= limit) throw new CorruptObjectError({ path: name, reason: `the pack announces ${count} objects and holds ${i}` });
    const where = `${name}@${at}`;
    const h = header(at);
    if (h.size > maxObjectSize) throw new CorruptObjectError({ path: where, reason: `an entry of ${h.size} bytes, over the limit of ${maxObjectSize}` });
    if (h.type !== OFS_DELTA && h.type !== REF_DELTA && !CODE_TYPE[h.type]) throw new CorruptObjectError({ path: where, reason: `unknown entry type ${h.type}` });
    offsets[i] = at;
    types[i] = h.type;
    let end: number;
    if (h.type === OFS_DELTA || h.type === REF_DELTA) {
      if (h.type === OFS_DELTA) {
        const base = h.baseDistance! > 0 && h.baseDistance! <= at - 12 ? entryAt(offsets, i, at - h.baseDistance!) : -1;
        if (base < 0) throw new CorruptObjectError({ path: where, reason: 'delta base is not an earlier entry' });
        baseOf[i] = base;
      } else {
        hexInto(h.baseOid!, probe);
        const k = refs.add(probe);
        if (k === refFirst.length) refFirst.push(-1);
        sibling[i] = refFirst[k];
        refFirst[k] = i;
      }
      // the instructions kept for the second pass, while they fit the bound
      const keep = kept + h.size <= deltaBytes && h.size <= CHUNK;
      if (keep && (chunks.length === 0 || chunkTop + h.size > chunks[chunks.length - 1].length)) {
        // the first chunk no larger than the pack (a small fetch allocates little)
        chunks.push(new Uint8Array(chunks.length === 0 ? Math.min(CHUNK, Math.max(h.size, limit)) : CHUNK));
        chunkTop = 0;
      }
      const chunk = chunks[chunks.length - 1];
      const inflated = inflate(at, at + h.length, h.size, where, keep ? chunk : undefined, chunkTop);
      end = inflated.end;
      if (keep) {
        if (inflated.data.buffer !== chunk.buffer) chunk.set(inflated.data, chunkTop);
        deltaAt[i] = (chunks.length - 1) * CHUNK + chunkTop;
        deltaLength[i] = h.size;
        chunkTop += h.size;
        kept += h.size;
      }
    } else {
      // inflated after room for its header: hashed in one piece
      const inflated = inflate(at, at + h.length, h.size, where, arena, ROOM);
      end = inflated.end;
      crcs[i] = host.crc32(win.subarray(at - winStart, end - winStart));
      record(i, CODE_TYPE[h.type], inflated.data, inflated.data.buffer === arena.buffer);
      at = end;
      continue;
    }
    cover(at, end - at);
    crcs[i] = host.crc32(win.subarray(at - winStart, end - winStart));
    at = end;
  }
  if (at !== limit) throw new CorruptObjectError({ path: name, reason: `${limit - at} bytes after the last of ${count} entries` });
  offsets[count] = limit;

  // OFS_DELTA children in pack order: first child by base, then siblings
  const firstChild = new Int32Array(count).fill(-1);
  for (let i = count - 1; i >= 0; i--) {
    const base = baseOf[i];
    if (base >= 0) {
      sibling[i] = firstChild[base];
      firstChild[base] = i;
    }
  }
  const refChildren = (oids: Uint8Array, oidAt: number) => {
    if (refs.count === 0) return -1;
    const k = refs.find(oids, oidAt);
    return k < 0 ? -1 : refFirst[k];
  };
  let top = 0;
  /** Resolves every delta below `type`/`content` (entry `entry`'s object, -1 for one outside the pack) depth first. */
  const resolveFrom = (entry: number, type: ObjectType, content: Uint8Array, ref: number) => {
    const frames: Frame[] = [{ type, content, ofs: entry >= 0 ? firstChild[entry] : -1, ref, top }];
    while (frames.length > 0) {
      const f = frames[frames.length - 1];
      let c: number;
      if (f.ofs >= 0) {
        c = f.ofs;
        f.ofs = sibling[c];
      } else if (f.ref >= 0) {
        c = f.ref;
        f.ref = sibling[c];
      } else {
        top = f.top;
        frames.pop();
        continue;
      }
      const where = `${name}@${offsets[c]}`;
      if (frames.length > MAX_DEPTH) throw new CorruptObjectError({ path: where, reason: 'delta chain too long' });
      const delta = deltaAt[c] >= 0 ? chunks[Math.floor(deltaAt[c] / CHUNK)].subarray(deltaAt[c] % CHUNK, (deltaAt[c] % CHUNK) + deltaLength[c]) : inflateAgain(c);
      const size = deltaResultSize(delta);
      const fits = size <= maxObjectSize && top + ROOM + size <= arena.length;
      const before = top;
      const object = applyDelta(f.content, delta, where, maxObjectSize, fits ? arena : undefined, top + ROOM);
      if (fits) top += ROOM + size;
      record(c, f.type, object, fits);
      const ofs = firstChild[c];
      const ref2 = refChildren(table.oids, c * 20);
      if (ofs >= 0 || ref2 >= 0) frames.push({ type: f.type, content: object, ofs, ref: ref2, top: before });
      else top = before;
    }
  };
  /** Entry `c` inflated again, its bytes read alone (into `into` at `intoAt` when it fits). */
  const inflateAgain = (c: number, into?: Uint8Array, intoAt?: number) => {
    // the header's 32 bytes too, which a small entry is shorter than
    cover(offsets[c], Math.max(32, offsets[c + 1] - offsets[c]), true);
    const h = header(offsets[c]);
    return inflate(offsets[c], offsets[c] + h.length, h.size, `${name}@${offsets[c]}`, into, intoAt, offsets[c + 1]).data;
  };

  // from each whole object with deltas, inflated again into the arena (its oid is known)
  for (let i = 0; i < count; i++) {
    if (types[i] >= OFS_DELTA) continue;
    const ref = refChildren(table.oids, i * 20);
    if (firstChild[i] < 0 && ref < 0) continue;
    const data = inflateAgain(i, arena, ROOM);
    top = data.buffer === arena.buffer ? ROOM + data.length : 0;
    resolveFrom(i, CODE_TYPE[types[i]], data, ref);
    top = 0;
  }
  // REF_DELTAs whose base is still unknown: outside the pack (thin), in rounds, since a base there
  // may be the result of another such delta
  for (let progress = resolved < count; progress; ) {
    progress = false;
    for (let k = 0; k < refs.count && resolved < count; k++) {
      if (refFirst[k] < 0 || table.find(refs.oids, k * 20) >= 0) continue;
      const base = await external(refs.hexAt(k));
      if (!base) continue;
      thin = true;
      resolveFrom(-1, base.type, base.content, refFirst[k]);
      refFirst[k] = -1;
      progress = true;
    }
  }
  if (resolved < count) {
    for (let k = 0; k < refs.count; k++) {
      if (refFirst[k] >= 0 && table.find(refs.oids, k * 20) < 0) throw new CorruptObjectError({ path: `${name}@${offsets[refFirst[k]]}`, reason: `delta base ${refs.hexAt(k)} is missing` });
    }
    throw new CorruptObjectError({ path: name, reason: `${count - resolved} deltas have no base` });
  }
  const again = new Lru<number, GitObject>(READ_AGAIN_CACHE, (object) => object.content.length + 100);
  const objectAt = async (i: number, depth: number): Promise<GitObject> => {
    const cached = again.get(i);
    if (cached) return cached;
    const where = `${name}@${offsets[i]}`;
    if (depth > MAX_DEPTH) throw new CorruptObjectError({ path: where, reason: 'delta chain too long' });
    let object: GitObject;
    if (types[i] < OFS_DELTA) object = { type: CODE_TYPE[types[i]], content: inflateAgain(i) };
    else {
      const delta = inflateAgain(i);
      let base: GitObject | undefined;
      if (types[i] === OFS_DELTA) base = await objectAt(baseOf[i], depth + 1);
      else {
        const baseOid = header(offsets[i]).baseOid!;
        const j = table.findHex(baseOid);
        base = j >= 0 ? await objectAt(j, depth + 1) : await external(baseOid);
        if (!base) throw new CorruptObjectError({ path: where, reason: `delta base ${baseOid} is missing` });
      }
      object = { type: base.type, content: applyDelta(base.content, delta, where, maxObjectSize) };
    }
    again.set(i, object);
    return object;
  };
  const read = async (oid: string) => {
    const i = table.findHex(oid);
    return i < 0 ? undefined : objectAt(i, 0);
  };
  return { count, oids: table.oids, crcs, offsets: offsets.subarray(0, count), table, thin, largestRead, read };
}

/** The entry (among the first `n`) that starts at `offset`, or -1. */
function entryAt(offsets: Float64Array, n: number, offset: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] === offset) return mid;
    if (offsets[mid] < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
