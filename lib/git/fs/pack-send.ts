// Building the pack a push sends (or a local fetch or push stores): entries copied as they are
// stored in our packs where possible, never inflated and deflated again; a stored delta whose base
// is earlier in the same pack is kept as an OFS_DELTA against it. Never a REF_DELTA: git's
// index-pack --fix-thin dies on a REF_DELTA whose base is both in the pack and already in the
// receiving repository (design/sync-merge.md, "Traps"), so a base outside the pack is never named
// and such an object is sent whole. Objects not stored in a pack (loose, the memory backend) are
// deflated as pack-writer does for a commit.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { concatBytes, fromUtf8, uint32BE, utf8 } from '../../util/bytes.js';
import { parseCommit } from '../commit.js';
import type { GitObject, ObjectType, PendingObject } from '../object.js';
import type { StoredEntry } from '../ports.js';
import type { Repository } from '../repository.js';
import { forEachTreeOid, isTreeMode } from '../tree.js';
import { findEntry } from '../tree-entry.js';
import { CODE_TYPE, encodeEntryHeader, encodeOfsDistance, OFS_DELTA, REF_DELTA } from './pack-format.js';
import { packEntry } from './pack-writer.js';

/** What building a pack did: entries copied as stored, deltas kept, objects deflated anew. */
export interface PackStats {
  objects: number;
  copied: number;
  /** of the copied entries, deltas kept against a base earlier in the pack */
  deltas: number;
  deflated: number;
  bytes: number;
}

export interface BuiltPack {
  /** the pack: header, entries, trailer; an array, so a request can be sent again */
  parts: Uint8Array[];
  /** every entry's oid, offset and CRC-32, for ObjectDatabase.addPack */
  index: { oid: string; offset: number; crc: number }[];
  stats: PackStats;
}

/** An object to send: its oid, and what the walk that found it read anyway. */
export interface Outgoing {
  oid: string;
  object?: GitObject;
  /** its stored pack entry; null: looked up, not in a pack */
  stored?: StoredEntry | null;
}

/**
 * Reads an object the walk must parse (a commit, a tree) out of its stored entry when that is a
 * whole object, keeping the entry for the pack: one lookup and one read serve both.
 */
async function readOutgoing(from: Repository, oid: string): Promise<Outgoing & { object: GitObject }> {
  const stored = (await from.backend.objects.storedEntry?.(oid)) ?? null;
  const type = stored ? CODE_TYPE[stored.type] : undefined;
  if (stored && type) {
    const { data } = platform().inflateAt(stored.bytes, stored.headerLength, stored.size, oid);
    if (data.length !== stored.size) throw new CorruptObjectError({ path: oid, reason: 'entry has the wrong size' });
    return { oid, stored, object: { type, content: data } };
  }
  return { oid, stored, object: await from.readObject(oid) };
}

/** The other side's root trees (its tips'), and where to read them: what it holds, folder by folder. */
export interface BaseTrees {
  roots: readonly string[];
  read(oid: string): Promise<GitObject | undefined>;
}

/**
 * The objects reachable from `tips` that `has` says the other side lacks: commits newest first
 * down to ones it has, their trees (subtrees it has skipped), blobs it lacks (never read: the pack
 * copies them as stored). A folder is scanned against the version of it walked just before, or
 * else the version at the same path in `base.roots[0]`: entries equal there are held by the other
 * side (or already handled), so only changes are visited and nothing of the other side's whole
 * tree is read.
 */
export async function missingObjects(from: Repository, tips: readonly string[], has: (oid: string) => Promise<boolean>, base?: BaseTrees): Promise<Outgoing[]> {
  const out: Outgoing[] = [];
  const seen = new Set<string>();
  const commits = [...tips];
  const trees: { oid: string; path: string }[] = [];
  while (commits.length) {
    const oid = commits.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (await has(oid)) continue;
    const found = await readOutgoing(from, oid);
    const object = found.object;
    out.push(found);
    if (object.type === 'tag') {
      const target = /^object ([0-9a-f]{40})/.exec(new TextDecoder().decode(object.content.subarray(0, 60)));
      if (target) commits.push(target[1]);
      continue;
    }
    if (object.type !== 'commit') continue;
    const commit = parseCommit(oid, object.content);
    trees.push({ oid: commit.tree, path: '' });
    commits.push(...commit.parents);
  }
  // the newest commit's tree first, as git orders a pack: a stored delta's base (git deltifies
  // the older version against the newer) is then earlier in the pack and the delta is kept
  trees.reverse();
  // the last version walked of the tree at each path: the next version there is walked for its
  // changes only (forEachTreeOid's reference)
  const lastAt = new Map<string, Uint8Array>();
  const baseCache = new Map<string, Uint8Array | null>();
  const baseAt = async (path: string): Promise<Uint8Array | undefined> => {
    if (!base || base.roots.length === 0) return undefined;
    const cached = baseCache.get(path);
    if (cached !== undefined) return cached ?? undefined;
    let oid: string | undefined;
    if (path === '') oid = base.roots[0];
    else {
      const cut = path.lastIndexOf('/');
      const parent = await baseAt(path.slice(0, cut));
      const entry = parent && findEntry(parent, path.slice(cut + 1));
      oid = entry && isTreeMode(entry.mode) ? entry.oid : undefined;
    }
    const object = oid ? await base.read(oid) : undefined;
    const content = object?.type === 'tree' ? object.content : null;
    baseCache.set(path, content);
    return content ?? undefined;
  };
  while (trees.length) {
    const { oid, path } = trees.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (await has(oid)) continue;
    const found = await readOutgoing(from, oid);
    out.push(found);
    if (found.object.type !== 'tree') continue;
    const content = found.object.content;
    const blobs: string[] = [];
    forEachTreeOid(content, oid, (entry, mode, nameStart, nameEnd) => {
      if (mode === '160000' || seen.has(entry)) return;
      if (isTreeMode(mode)) trees.push({ oid: entry, path: `${path}/${fromUtf8(content, nameStart, nameEnd)}` });
      else {
        seen.add(entry);
        blobs.push(entry);
      }
    }, lastAt.get(path) ?? (await baseAt(path)));
    lastAt.set(path, content);
    for (const blob of blobs) if (!(await has(blob))) out.push({ oid: blob });
  }
  return out;
}

/** A pack of these objects, read from `from` (see the file's comment). */
export async function buildPack(from: Repository, objects: readonly Outgoing[]): Promise<BuiltPack> {
  const host = platform();
  const odb = from.backend.objects;
  const hash = host.sha1Hasher();
  const head = concatBytes([utf8('PACK'), uint32BE(2), uint32BE(objects.length)]);
  hash.update(head);
  const parts: Uint8Array[] = [head];
  const index: BuiltPack['index'] = [];
  const offsets = new Map<string, number>();
  const stats: PackStats = { objects: objects.length, copied: 0, deltas: 0, deflated: 0, bytes: 0 };
  let at = head.length;
  for (const { oid, object, stored: known } of objects) {
    const stored = known !== undefined ? known : await odb.storedEntry?.(oid);
    let bytes: Uint8Array;
    if (stored && stored.type !== OFS_DELTA && stored.type !== REF_DELTA) {
      bytes = stored.bytes;
      stats.copied++;
    } else if (stored?.baseOid !== undefined && offsets.has(stored.baseOid)) {
      const header = encodeEntryHeader(OFS_DELTA, stored.size);
      bytes = concatBytes([header, encodeOfsDistance(at - offsets.get(stored.baseOid)!), stored.bytes.subarray(stored.headerLength)]);
      stats.copied++;
      stats.deltas++;
    } else {
      const whole = object ?? (await from.readObject(oid));
      bytes = packEntry({ oid, type: whole.type, content: whole.content }).bytes;
      stats.deflated++;
    }
    hash.update(bytes);
    parts.push(bytes);
    index.push({ oid, offset: at, crc: host.crc32(bytes) });
    offsets.set(oid, at);
    at += bytes.length;
  }
  parts.push(hash.digest());
  stats.bytes = at + 20;
  return { parts, index, stats };
}

/**
 * Copies objects from one local repository to another as one pack, stored as built: the source is
 * a repository on this machine that we read unverified anyway (as `git clone` of a local path
 * copies its packs), so the objects are not hashed again. A destination that takes no pack (the
 * memory backend) gets the objects written as a batch.
 */
export async function copyObjects(from: Repository, to: Repository, objects: readonly Outgoing[]): Promise<PackStats> {
  const odb = to.backend.objects;
  if (objects.length === 0) return { objects: 0, copied: 0, deltas: 0, deflated: 0, bytes: 0 };
  if (odb.addPack) {
    const built = await buildPack(from, objects);
    await odb.addPack(concatBytes(built.parts), built.index);
    return built.stats;
  }
  const batch: PendingObject[] = [];
  for (const { oid, object } of objects) {
    const whole = object ?? (await from.readObject(oid));
    batch.push({ oid, type: whole.type as ObjectType, content: whole.content.slice() });
  }
  await to.writeObjects(batch);
  return { objects: objects.length, copied: 0, deltas: 0, deflated: 0, bytes: 0 };
}
