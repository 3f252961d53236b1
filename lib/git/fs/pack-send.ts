// Building the pack a push sends (or a local fetch or push stores): entries copied as they are
// stored in our packs where possible, never inflated and deflated again; a stored delta whose base
// is earlier in the same pack is kept as an OFS_DELTA against it. A folder sent in several
// versions goes as deltas (tree-delta.ts): each older version against the newer one sent just
// before it, as git's pack-objects orders them, so 20 commits to a 100,000-record store send each
// changed folder whole once. Never a REF_DELTA: git's index-pack --fix-thin dies on a REF_DELTA
// whose base is both in the pack and already in the receiving repository (design/sync-merge.md,
// "Traps"), so a base outside the pack is never named and such an object is sent whole. Objects
// not stored in a pack (loose, the memory backend) are deflated as pack-writer does for a commit.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { concatBytes, fromUtf8, uint32BE, utf8 } from '../../util/bytes.js';
import { parseCommit } from '../commit.js';
import type { GitObject, ObjectType, PendingObject } from '../object.js';
import type { StoredEntry } from '../ports.js';
import type { Repository } from '../repository.js';
import { forEachTreeOid, isTreeMode, type TreeEntry } from '../tree.js';
import { findEntry, INDEX_ABOVE, TreeOffsets } from '../tree-entry.js';
import { CODE_TYPE, encodeEntryHeader, encodeOfsDistance, OFS_DELTA, REF_DELTA } from './pack-format.js';
import { packEntry } from './pack-writer.js';
import { treeDelta } from './tree-delta.js';

/** What building a pack did: entries copied as stored, deltas kept, objects deflated anew. */
export interface PackStats {
  objects: number;
  /** entries copied as stored (whole, or deltas kept against a base earlier in the pack) */
  copied: number;
  /** delta entries in the pack: kept as stored, or made */
  deltas: number;
  /** folders sent as a delta made against their version sent before them */
  made: number;
  /** whole objects deflated anew */
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
  /** a tree: the version of the same folder sent before it (a newer one), to send it as a delta against */
  deltaBase?: string;
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
export async function missingObjects(from: Repository, tips: readonly string[], has: (oid: string) => boolean, base?: BaseTrees): Promise<Outgoing[]> {
  const out: Outgoing[] = [];
  const seen = new Set<string>();
  const commits = [...tips];
  const trees: { oid: string; path: string }[] = [];
  while (commits.length) {
    const oid = commits.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (has(oid)) continue;
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
  // a folder's path serves only to find another version of it: with one root to walk and no
  // other side's tree to compare with (a first push), no path is built or kept
  const paths = trees.length > 1 || (base !== undefined && base.roots.length > 0);
  // the last version walked of the tree at each path (its oid and content): the next version
  // there is sent as a delta against it, and walked for its changes only where the other side
  // has no version of the folder
  const lastAt = new Map<string, { oid: string; content: Uint8Array }>();
  // the other side's folder at each path asked, with a table of its entries once a large one is
  // searched: a flat folder of 10,000 records is searched for each changed record
  const baseCache = new Map<string, { content: Uint8Array; table?: TreeOffsets } | null>();
  const baseFolder = async (path: string): Promise<{ content: Uint8Array; table?: TreeOffsets } | undefined> => {
    if (!base || base.roots.length === 0) return undefined;
    const cached = baseCache.get(path);
    if (cached !== undefined) return cached ?? undefined;
    let oid: string | undefined;
    if (path === '') oid = base.roots[0];
    else {
      const cut = path.lastIndexOf('/');
      const parent = await baseFolder(path.slice(0, cut));
      const name = path.slice(cut + 1);
      let entry: TreeEntry | undefined;
      if (parent && parent.content.length > INDEX_ABOVE) entry = (parent.table ??= new TreeOffsets(parent.content)).find(name);
      else if (parent) entry = findEntry(parent.content, name);
      oid = entry && isTreeMode(entry.mode) ? entry.oid : undefined;
    }
    const object = oid ? await base.read(oid) : undefined;
    const folder = object?.type === 'tree' ? { content: object.content } : null;
    baseCache.set(path, folder);
    return folder ?? undefined;
  };
  while (trees.length) {
    const { oid, path } = trees.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (has(oid)) continue;
    const found = await readOutgoing(from, oid);
    out.push(found);
    if (found.object.type !== 'tree') continue;
    const content = found.object.content;
    const blobs: string[] = [];
    const last = lastAt.get(path);
    if (last) found.deltaBase = last.oid;
    // compared with the other side's version where it has one: an entry equal there is held, and
    // one equal in the newer version walked before was either held or is seen; compared with the
    // newer version instead, an older version would send again every entry changed since
    forEachTreeOid(content, oid, (entry, mode, nameStart, nameEnd) => {
      if (mode === '160000' || seen.has(entry)) return;
      if (isTreeMode(mode)) trees.push({ oid: entry, path: paths ? `${path}/${fromUtf8(content, nameStart, nameEnd)}` : '' });
      else {
        seen.add(entry);
        blobs.push(entry);
      }
    }, paths ? ((await baseFolder(path))?.content ?? last?.content) : undefined);
    if (paths) lastAt.set(path, { oid, content });
    for (const blob of blobs) if (!has(blob)) out.push({ oid: blob });
  }
  return out;
}

/** Folders smaller than this are sent whole: a delta would save less than it costs to make. */
const MIN_TREE_DELTA = 256;
/** The longest delta chain made (git's pack.depth): a reader resolves each link in turn. */
const MAX_DEPTH = 50;

/**
 * The entries of a pack of these objects, read from `from` (see the file's comment), one at a
 * time, so that a request can send each while the next is made; then the trailer. `index` and
 * `stats` fill in as they go.
 */
async function* packEntries(from: Repository, objects: readonly Outgoing[], index: BuiltPack['index'] | undefined, stats: PackStats): AsyncGenerator<Uint8Array, void, undefined> {
  const host = platform();
  const odb = from.backend.objects;
  const hash = host.sha1Hasher();
  const head = concatBytes([utf8('PACK'), uint32BE(2), uint32BE(objects.length)]);
  hash.update(head);
  yield head;
  const offsets = new Map<string, number>();
  // the folders another is sent as a delta against, their content once sent; the delta chain
  // length of each entry sent as a delta
  const bases = new Map<string, Uint8Array | undefined>();
  for (const { deltaBase } of objects) if (deltaBase !== undefined) bases.set(deltaBase, undefined);
  const depth = new Map<string, number>();
  let at = head.length;
  for (const { oid, object, stored: known, deltaBase } of objects) {
    const stored = known !== undefined ? known : await odb.storedEntry?.(oid);
    const baseAt = deltaBase !== undefined ? offsets.get(deltaBase) : undefined;
    let bytes: Uint8Array | undefined;
    if (stored?.baseOid !== undefined && offsets.has(stored.baseOid) && (stored.type === OFS_DELTA || stored.type === REF_DELTA)) {
      const header = encodeEntryHeader(OFS_DELTA, stored.size);
      bytes = concatBytes([header, encodeOfsDistance(at - offsets.get(stored.baseOid)!), stored.bytes.subarray(stored.headerLength)]);
      depth.set(oid, (depth.get(stored.baseOid) ?? 0) + 1);
      stats.copied++;
      stats.deltas++;
    } else if (baseAt !== undefined && object?.type === 'tree' && object.content.length >= MIN_TREE_DELTA && (depth.get(deltaBase!) ?? 0) < MAX_DEPTH - 1) {
      const delta = treeDelta(bases.get(deltaBase!)!, object.content);
      if (delta) {
        bytes = concatBytes([encodeEntryHeader(OFS_DELTA, delta.length), encodeOfsDistance(at - baseAt), host.deflate(delta, 1)]);
        depth.set(oid, (depth.get(deltaBase!) ?? 0) + 1);
        stats.made++;
        stats.deltas++;
      }
    }
    if (bytes) {
      // a delta, kept or made
    } else if (stored && stored.type !== OFS_DELTA && stored.type !== REF_DELTA) {
      bytes = stored.bytes;
      stats.copied++;
    } else {
      const whole = object ?? (await from.readObject(oid));
      bytes = packEntry({ oid, type: whole.type, content: whole.content }).bytes;
      stats.deflated++;
    }
    if (bases.has(oid)) bases.set(oid, (object ?? (await from.readObject(oid))).content);
    hash.update(bytes);
    index?.push({ oid, offset: at, crc: host.crc32(bytes) });
    offsets.set(oid, at);
    at += bytes.length;
    yield bytes;
  }
  const trailer = hash.digest();
  stats.bytes = at + trailer.length;
  yield trailer;
}

function emptyStats(objects: number): PackStats {
  return { objects, copied: 0, deltas: 0, made: 0, deflated: 0, bytes: 0 };
}

/** A pack of these objects, read from `from` (see the file's comment), built whole. */
export async function buildPack(from: Repository, objects: readonly Outgoing[]): Promise<BuiltPack> {
  const parts: Uint8Array[] = [];
  const index: BuiltPack['index'] = [];
  const stats = emptyStats(objects.length);
  for await (const part of packEntries(from, objects, index, stats)) parts.push(part);
  return { parts, index, stats };
}

/**
 * The same pack as a stream, for a request body: the server reads (and indexes) each entry while
 * the next is made, and the pack is never held whole. `stats` is complete once it has been read.
 */
export function streamPack(from: Repository, objects: readonly Outgoing[]): { body: AsyncIterable<Uint8Array>; stats: PackStats } {
  const stats = emptyStats(objects.length);
  return { body: batched(packEntries(from, objects, undefined, stats)), stats };
}

/** Chunks of a request body, at least this large: one write per entry (most under 200 bytes) cost more than the walk. */
const BODY_CHUNK = 256 * 1024;

async function* batched(parts: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  let pending: Uint8Array[] = [];
  let size = 0;
  for await (const part of parts) {
    pending.push(part);
    size += part.length;
    if (size >= BODY_CHUNK) {
      yield concatBytes(pending);
      pending = [];
      size = 0;
    }
  }
  if (pending.length) yield concatBytes(pending);
}

/**
 * Copies objects from one local repository to another as one pack, stored as built: the source is
 * a repository on this machine that we read unverified anyway (as `git clone` of a local path
 * copies its packs), so the objects are not hashed again. A destination that takes no pack (the
 * memory backend) gets the objects written as a batch.
 */
export async function copyObjects(from: Repository, to: Repository, objects: readonly Outgoing[]): Promise<PackStats> {
  const odb = to.backend.objects;
  if (objects.length === 0) return emptyStats(0);
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
  return emptyStats(objects.length);
}
