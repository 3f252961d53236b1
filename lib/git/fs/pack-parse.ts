// Reading a whole pack received from another repository (a fetch): every entry inflated once, its
// deltas resolved (OFS_DELTA within the pack, REF_DELTA within it or against objects we already
// hold), every object hashed, the count checked against the header and the entries against the
// end of the pack. The pack is read through a window (a file received to disk is never held
// whole), each object handed to `visit` and dropped: what stays is the index (oid, offset, CRC)
// and a bounded cache of delta bases. Nothing of a damaged pack is ever made visible here.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { readUInt32BE } from '../../util/bytes.js';
import { Lru } from '../../util/lru.js';
import { pendingObject, type GitObject, type ObjectType, type PendingObject } from '../object.js';
import { applyDelta, CODE_TYPE, decodeEntryHeader, OFS_DELTA, REF_DELTA } from './pack-format.js';

/** What a pack index records of one entry. */
export interface PackIndexEntry {
  oid: string;
  offset: number;
  crc: number;
}

/** A pack's bytes read by position: a file (the FileSystem port's RandomAccessFile) or memory. */
export interface PackBytes {
  /** `length` bytes from `position`, fewer at the end */
  read(position: number, length: number): Uint8Array;
  size(): number;
}

export interface IndexedPack {
  /** every entry in pack order, its oid computed from its content (pack-writer's buildIndex writes it) */
  index: PackIndexEntry[];
  /** every oid in the pack, with its entry's offset */
  oids: ReadonlyMap<string, number>;
  /** some REF_DELTA base is outside the pack: it cannot be stored as it is */
  thin: boolean;
  /** the most bytes of the pack held at once (the read window): bounded, not the pack's size */
  largestRead: number;
  /**
   * An object of the pack read again by oid (deltas resolved through the indexing's base cache,
   * which this keeps alive while it is referenced); undefined when the pack lacks it.
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
  /** each object once, in pack order but for REF_DELTAs whose base comes later */
  visit?: (object: PendingObject) => void;
}

/** Bytes read from a file at a time; an entry larger than this is read whole (up to maxObjectSize). */
const WINDOW = 1 << 20;
/** Bytes read at once by `read` after indexing: objects asked for again come in no order, often near each other. */
const READ_AGAIN_WINDOW = 64 << 10;
/** Resolved objects kept for the deltas that follow them (a folder's versions chain through its trees). */
const BASE_CACHE_BYTES = 32 << 20;
const MAX_DEPTH = 10_000;
/** Whole objects at least this large are cached as they pass; every delta's result is. */
const CACHE_ABOVE = 4096;

function memory(bytes: Uint8Array): PackBytes {
  return { read: (position, length) => bytes.subarray(position, position + length), size: () => bytes.length };
}

/** Every object of a pack, held in memory (small packs; the memory backend); see indexPack. */
export async function parsePack(pack: Uint8Array, external: (oid: string) => Promise<GitObject | undefined>, name = 'received pack'): Promise<PendingObject[]> {
  const objects: PendingObject[] = [];
  await indexPack(pack, { external, name, visit: (o) => void objects.push(o) });
  return objects;
}

/**
 * Indexes a pack whose trailer receivePack already checked: every entry inflated and hashed (its
 * deltas resolved), the entry count and the end checked. Throws CorruptObjectError for anything
 * malformed.
 */
export async function indexPack(source: Uint8Array | PackBytes, options: IndexPackOptions = {}): Promise<IndexedPack> {
  const { external = async () => undefined, name = 'received pack', maxObjectSize = Infinity, visit } = options;
  const pack = source instanceof Uint8Array ? memory(source) : source;
  const inMemory = source instanceof Uint8Array;
  const total = pack.size();
  if (total < 32) throw new CorruptObjectError({ path: name, reason: 'too short to be a pack' });
  const limit = total - 20;
  const count = readUInt32BE(pack.read(8, 4), 0);
  const host = platform();

  // the window: bytes [winStart, winStart + win.length) of the pack
  let win: Uint8Array = new Uint8Array(0);
  let winStart = 0;
  let largestRead = 0;
  /** bytes read at once: the whole window for the walk in pack order, less for reads again at random */
  let window = WINDOW;
  /** makes the window hold [from, from + length) (less at the end of the entries) */
  const cover = (from: number, length: number) => {
    const end = Math.min(limit, from + length);
    if (from >= winStart && end <= winStart + win.length) return;
    const take = inMemory ? limit - from : Math.max(end - from, Math.min(window, limit - from));
    win = pack.read(from, take);
    winStart = from;
    if (!inMemory) largestRead = Math.max(largestRead, take);
  };

  /** Inflates the entry at `offset` whose data starts at `start`: its bytes and where its stream ends. */
  const inflate = (offset: number, start: number, size: number, where: string): { data: Uint8Array; end: number } => {
    // a zlib stream is rarely much longer than its output; a window too short for it is grown
    for (let want = start - offset + size + (size >> 3) + 64; ; want *= 2) {
      cover(offset, want);
      const reachesEnd = winStart + win.length >= limit;
      try {
        const { data, consumed } = host.inflateAt(win, start - winStart, size, where);
        return { data, end: start + consumed };
      } catch (error) {
        // cut by the window, not by the pack: read further
        if (reachesEnd || !(error instanceof CorruptObjectError)) throw error;
      }
    }
  };

  // per entry, in pack order: offset, type code, and a delta's base (an offset or an oid)
  const offsets: number[] = [];
  const types: number[] = [];
  const bases = new Map<number, number | string>();
  const index: PackIndexEntry[] = [];
  const byOid = new Map<string, number>();
  const cache = new Lru<number, GitObject>(BASE_CACHE_BYTES, (o) => o.content.length + 64);
  let thin = false;

  const header = (at: number) => {
    cover(at, 32);
    return decodeEntryHeader(win.subarray(at - winStart, Math.min(at - winStart + 32, limit - winStart)), `${name}@${at}`);
  };

  /** The object whose entry starts at `offset`, from the cache or read again from the pack. */
  const objectAt = async (offset: number, depth: number): Promise<GitObject> => {
    const cached = cache.get(offset);
    if (cached) return cached;
    const i = entryAt(offset);
    if (i < 0) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: 'delta base is not an entry' });
    if (depth > MAX_DEPTH) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: 'delta chain too long' });
    const h = header(offset);
    const { data } = inflate(offset, offset + h.length, h.size, `${name}@${offset}`);
    const object = types[i] < OFS_DELTA ? { type: CODE_TYPE[types[i]], content: data } : await undelta(offset, bases.get(offset)!, data, depth);
    cache.set(offset, object);
    return object;
  };
  const entryAt = (offset: number): number => {
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid] === offset) return mid;
      if (offsets[mid] < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  /** A delta's object: its base found (earlier in the pack, by oid in it, or stored) and the delta applied. */
  const undelta = async (offset: number, base: number | string, delta: Uint8Array, depth: number): Promise<{ type: ObjectType; content: Uint8Array }> => {
    let found: GitObject | undefined;
    if (typeof base === 'number') found = await objectAt(base, depth + 1);
    else {
      const at = byOid.get(base);
      if (at === undefined) thin = true;
      found = at !== undefined ? await objectAt(at, depth + 1) : await external(base);
    }
    if (!found) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: `delta base ${typeof base === 'string' ? base : ''} is missing` });
    return { type: found.type, content: applyDelta(found.content, delta, `${name}@${offset}`, maxObjectSize) };
  };
  const record = (offset: number, end: number, type: ObjectType, content: Uint8Array) => {
    const object = pendingObject(type, content);
    if (byOid.has(object.oid)) throw new CorruptObjectError({ path: name, reason: `object ${object.oid} is in the pack twice` });
    byOid.set(object.oid, offset);
    cover(offset, end - offset);
    index.push({ oid: object.oid, offset, crc: host.crc32(win.subarray(offset - winStart, end - winStart)) });
    visit?.(object);
    return object;
  };

  // deltas whose base is not (yet) known: a REF_DELTA's later in the pack or outside it (a thin
  // pack), or an OFS_DELTA's that is such a delta; resolved after the walk
  const later: { offset: number; end: number; delta: Uint8Array }[] = [];
  const unresolved = new Set<number>();
  const ready = (base: number | string) => (typeof base === 'number' ? !unresolved.has(base) : byOid.has(base));
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at >= limit) throw new CorruptObjectError({ path: name, reason: `the pack announces ${count} objects and holds ${i}` });
    const where = `${name}@${at}`;
    const h = header(at);
    if (h.size > maxObjectSize) throw new CorruptObjectError({ path: where, reason: `an entry of ${h.size} bytes, over the limit of ${maxObjectSize}` });
    if (h.type !== OFS_DELTA && h.type !== REF_DELTA && !CODE_TYPE[h.type]) throw new CorruptObjectError({ path: where, reason: `unknown entry type ${h.type}` });
    if (h.type === OFS_DELTA && (h.baseDistance! <= 0 || h.baseDistance! > at - 12)) throw new CorruptObjectError({ path: where, reason: 'delta base is not an earlier entry' });
    // one inflate per entry: the platform says where its zlib stream ends, which is the next entry
    const { data, end } = inflate(at, at + h.length, h.size, where);
    offsets.push(at);
    types.push(h.type);
    if (h.type === OFS_DELTA || h.type === REF_DELTA) {
      const base = h.type === OFS_DELTA ? at - h.baseDistance! : h.baseOid!;
      bases.set(at, base);
      if (ready(base)) {
        const object = await undelta(at, base, data, 0);
        record(at, end, object.type, object.content);
        // a delta's result is a likely base of the next version
        cache.set(at, object);
      } else {
        later.push({ offset: at, end, delta: data });
        unresolved.add(at);
      }
    } else {
      const object = record(at, end, CODE_TYPE[h.type], data);
      // a small base is read again when a delta needs it (one small inflate costs what caching
      // every object would); a large one, whose inflate is dear, is kept
      if (data.length >= CACHE_ABOVE) cache.set(at, object);
    }
    at = end;
  }
  if (at !== limit) throw new CorruptObjectError({ path: name, reason: `${limit - at} bytes after the last of ${count} entries` });
  // in rounds, as their bases appear; a round that resolves none takes the first REF_DELTA's base
  // from outside the pack (thin), or fails
  for (let pending = later; pending.length > 0; ) {
    const next: typeof later = [];
    for (const d of pending) {
      if (!ready(bases.get(d.offset)!)) next.push(d);
      else {
        const object = await undelta(d.offset, bases.get(d.offset)!, d.delta, 0);
        record(d.offset, d.end, object.type, object.content);
        unresolved.delete(d.offset);
      }
    }
    if (next.length === pending.length) {
      const k = Math.max(0, next.findIndex((d) => typeof bases.get(d.offset) === 'string'));
      const [d] = next.splice(k, 1);
      const object = await undelta(d.offset, bases.get(d.offset)!, d.delta, 0);
      record(d.offset, d.end, object.type, object.content);
      unresolved.delete(d.offset);
    }
    pending = next;
  }
  // the index in pack order (buildIndex sorts by oid itself)
  index.sort((a, b) => a.offset - b.offset);
  window = READ_AGAIN_WINDOW;
  const read = async (oid: string) => {
    const offset = byOid.get(oid);
    return offset === undefined ? undefined : objectAt(offset, 0);
  };
  return { index, oids: byOid, thin, largestRead, read };
}
