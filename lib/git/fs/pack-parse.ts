// Reading a whole pack received from another repository (a fetch): every entry inflated, its
// deltas resolved (OFS_DELTA within the pack, REF_DELTA within it or against objects we already
// hold), every object hashed, the count checked against the header and the entries against the
// end of the pack. The objects are then stored like any batch (ObjectDatabase.write: one pack and
// its index, renamed into place), so nothing of a damaged pack is ever visible.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { readUInt32BE } from '../../util/bytes.js';
import { pendingObject, type GitObject, type PendingObject } from '../object.js';
import { applyDelta, CODE_TYPE, decodeEntryHeader, OFS_DELTA, REF_DELTA } from './pack-format.js';

interface Entry {
  offset: number;
  end: number;
  type: number;
  data: Uint8Array;
  baseOffset?: number;
  baseOid?: string;
  object?: PendingObject;
}

/** What a pack index records of one entry. */
export interface PackIndexEntry {
  oid: string;
  offset: number;
  crc: number;
}

export interface IndexedPack {
  /** every object, in pack order, its oid computed from its content */
  objects: PendingObject[];
  /** the index of the pack as received (pack-writer's buildIndex writes it) */
  index: PackIndexEntry[];
  /** some REF_DELTA base is outside the pack: it cannot be stored as it is */
  thin: boolean;
}

/** Every object of a pack; see indexPack. */
export async function parsePack(pack: Uint8Array, external: (oid: string) => Promise<GitObject | undefined>, name = 'received pack'): Promise<PendingObject[]> {
  return (await indexPack(pack, external, name)).objects;
}

/**
 * Every object of a pack (header, entries, 20-byte trailer already checked by receivePack), as
 * PendingObjects with oids computed from their content, and the pack's index. `external` finds a
 * REF_DELTA base the pack does not hold. Throws CorruptObjectError for anything malformed.
 */
export async function indexPack(
  pack: Uint8Array,
  external: (oid: string) => Promise<GitObject | undefined>,
  name = 'received pack',
  /** the largest object (or delta) accepted, in bytes: a received pack is untrusted input */
  maxObjectSize = Infinity,
): Promise<IndexedPack> {
  if (pack.length < 32) throw new CorruptObjectError({ path: name, reason: 'too short to be a pack' });
  const count = readUInt32BE(pack, 8);
  const limit = pack.length - 20;
  const entries = new Map<number, Entry>();
  const order: number[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at >= limit) throw new CorruptObjectError({ path: name, reason: `the pack announces ${count} objects and holds ${i}` });
    const where = `${name}@${at}`;
    const header = decodeEntryHeader(pack.subarray(at, Math.min(at + 32, limit)), where);
    const start = at + header.length;
    if (header.size > maxObjectSize) throw new CorruptObjectError({ path: where, reason: `an entry of ${header.size} bytes, over the limit of ${maxObjectSize}` });
    // one inflate per entry: the platform says where its zlib stream ends, which is the next entry
    const { data, consumed } = platform().inflateAt(pack.subarray(0, limit), start, header.size, where);
    if (data.length !== header.size) throw new CorruptObjectError({ path: where, reason: 'entry has the wrong size' });
    const entry: Entry = { offset: at, end: start + consumed, type: header.type, data };
    if (header.type === OFS_DELTA) entry.baseOffset = at - header.baseDistance!;
    else if (header.type === REF_DELTA) entry.baseOid = header.baseOid;
    else if (!CODE_TYPE[header.type]) throw new CorruptObjectError({ path: where, reason: `unknown entry type ${header.type}` });
    entries.set(at, entry);
    order.push(at);
    at = entry.end;
  }
  if (at !== limit) throw new CorruptObjectError({ path: name, reason: `${limit - at} bytes after the last of ${count} entries` });

  const byOid = new Map<string, Entry>();
  let thin = false;
  const resolve = async (offset: number, depth: number): Promise<PendingObject> => {
    const entry = entries.get(offset);
    if (!entry) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: 'delta base is not an entry' });
    if (entry.object) return entry.object;
    if (depth > 10_000) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: 'delta chain too long' });
    let object: PendingObject;
    if (entry.type !== OFS_DELTA && entry.type !== REF_DELTA) object = pendingObject(CODE_TYPE[entry.type], entry.data);
    else {
      let base: GitObject | undefined;
      if (entry.baseOffset !== undefined) base = await resolve(entry.baseOffset, depth + 1);
      else {
        const baseAt = byOid.get(entry.baseOid!)?.offset;
        if (baseAt === undefined) thin = true;
        base = baseAt !== undefined ? await resolve(baseAt, depth + 1) : await external(entry.baseOid!);
      }
      if (!base) throw new CorruptObjectError({ path: `${name}@${offset}`, reason: `delta base ${entry.baseOid ?? ''} is missing` });
      object = pendingObject(base.type, applyDelta(base.content, entry.data, `${name}@${offset}`, maxObjectSize));
    }
    entry.object = object;
    byOid.set(object.oid, entry);
    return object;
  };
  // non-deltas first, so REF_DELTA bases inside the pack are known by oid
  for (const offset of order) if (entries.get(offset)!.type < OFS_DELTA) await resolve(offset, 0);
  const out: PendingObject[] = [];
  const index: PackIndexEntry[] = [];
  const seen = new Set<string>();
  for (const offset of order) {
    const object = await resolve(offset, 0);
    if (seen.has(object.oid)) throw new CorruptObjectError({ path: name, reason: `object ${object.oid} is in the pack twice` });
    seen.add(object.oid);
    out.push(object);
    const entry = entries.get(offset)!;
    index.push({ oid: object.oid, offset, crc: platform().crc32(pack.subarray(offset, entry.end)) });
    entry.data = new Uint8Array(0);
  }
  return { objects: out, index, thin };
}
