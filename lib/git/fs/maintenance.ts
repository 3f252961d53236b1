// Keeping the object database small and fast to search, as `git gc --auto` and
// `git repack --geometric=2` do: many small packs (one per commit) are merged into one, copying
// entries byte for byte, and loose objects can be packed. Objects are never dropped.
import { hexInto } from '../../util/bytes.js';
import type { Durability, FileSystem, MaintenanceResult } from '../ports.js';
import { readLoose } from './loose.js';
import { encodeEntryHeader, REF_DELTA } from './pack-format.js';
import { type PackFile, PackGoneError } from './pack-reader.js';
import type { PackSet } from './pack-set.js';
import { packEntry, type RawEntry, writePack } from './pack-writer.js';
import { dirname, join } from './paths.js';

/** More packs than this and a commit merges the small ones (git gc --auto uses 50; every read
 *  that misses the caches searches each pack index, so we keep fewer). */
export const AUTO_PACK_LIMIT = 16;

/** A stored entry to copy into another pack: an offset delta becomes a ref delta, whose base is named by oid. */
function copied(entry: { oid: string; bytes: Uint8Array; size: number; headerLength: number; baseOid?: string }): RawEntry {
  if (entry.baseOid === undefined) return { oid: entry.oid, bytes: entry.bytes };
  const head = encodeEntryHeader(REF_DELTA, entry.size);
  const rest = entry.bytes.subarray(entry.headerLength);
  const out = new Uint8Array(head.length + 20 + rest.length);
  out.set(head);
  hexInto(entry.baseOid, out, head.length);
  out.set(rest, head.length + 20);
  return { oid: entry.oid, bytes: out };
}

/**
 * The result, or undefined when a pack file vanished meanwhile: another process merged it, and its
 * merged pack was complete before it removed anything, so skipping the pack loses nothing.
 */
async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof PackGoneError) return undefined;
    throw error;
  }
}

/** Which packs to merge so that each remaining pack is at least twice all smaller ones together. */
export function geometricSplit(sizes: number[]): number {
  let total = 0;
  let split = 0;
  sizes.forEach((size, i) => {
    if (size < 2 * total) split = i + 1;
    total += size;
  });
  return split;
}

async function looseObjects(fs: FileSystem, objectsDir: string): Promise<{ oid: string; path: string }[]> {
  const found: { oid: string; path: string }[] = [];
  for (const dir of await fs.list(objectsDir)) {
    if (!/^[0-9a-f]{2}$/.test(dir.name)) continue;
    for (const file of await fs.list(join(objectsDir, dir.name))) {
      if (/^[0-9a-f]{38}$/.test(file.name)) found.push({ oid: dir.name + file.name, path: join(objectsDir, dir.name, file.name) });
    }
  }
  return found;
}

/**
 * Merges packs (all of them with `full`, else the small ones the geometric rule picks) and, with
 * `full`, the loose objects, into one new pack; then removes what it replaced. The new pack is
 * complete and flushed before anything is removed.
 */
export async function maintain(
  fs: FileSystem,
  packs: PackSet,
  objectsDir: string,
  full: boolean,
  durability: Durability,
  attempt = 0,
): Promise<MaintenanceResult> {
  await packs.refresh(true);
  const candidates: { pack: PackFile; size: number }[] = [];
  for (const pack of packs.known) {
    if ((await fs.stat(`${pack.base}.keep`)) || (await fs.stat(`${pack.base}.promisor`))) continue;
    const size = await unlessGone(() => pack.fileSize());
    if (size !== undefined) candidates.push({ pack, size });
  }
  candidates.sort((a, b) => a.size - b.size);
  const chosen = full ? candidates : candidates.slice(0, geometricSplit(candidates.map((c) => c.size)));
  const loose = full ? await looseObjects(fs, objectsDir) : [];
  if (chosen.length + (loose.length ? 1 : 0) < 2 && !(chosen.length === 0 && loose.length > 0)) {
    return { packsMerged: 0, looseObjectsPacked: 0, packs: candidates.length };
  }
  // counted from the indexes first (the new pack's header gives the number of objects), then copied
  // pack by pack through a window: a merge of 2,000,000 objects held every pack whole (2 GiB)
  const merged: PackFile[] = [];
  const pending = new Set<string>(); // what the packs hold that is not copied yet, once each
  for (const { pack } of chosen) {
    if ((await unlessGone(() => pack.fileSize())) === undefined) continue;
    merged.push(pack);
    for (const [oid] of pack.entries()) pending.add(oid);
  }
  const fromLoose: RawEntry[] = [];
  for (const { oid, path } of loose) {
    if (pending.has(oid) || (await packs.has(oid))) continue;
    const object = await readLoose(fs, path, oid);
    if (object) fromLoose.push(packEntry({ oid, ...object }));
  }
  async function* entries(): AsyncGenerator<RawEntry> {
    for (const pack of merged) {
      for await (const entry of pack.storedEntries()) if (pending.delete(entry.oid)) yield copied(entry);
    }
    yield* fromLoose;
  }
  let name: string;
  try {
    name = await writePack(fs, packs.dir, pending.size + fromLoose.length, entries(), durability);
  } catch (error) {
    // another process merged a pack away between the count and the copy: its merged pack holds
    // what it held, so start again from what is there now
    if (error instanceof PackGoneError && attempt < 3) return maintain(fs, packs, objectsDir, full, durability, attempt + 1);
    throw error;
  }
  const removed = merged.filter((pack) => !pack.base.endsWith(name));
  // git's multi-pack-index lists packs by name: one naming a removed pack fails git fsck, and
  // without it git reads the packs' own indexes, so it goes (git rebuilds it on demand)
  if (removed.length) {
    for (const file of await fs.list(packs.dir)) if (file.name.startsWith('multi-pack-index')) await fs.remove(join(packs.dir, file.name));
  }
  for (const pack of removed) {
    pack.close();
    await fs.remove(`${pack.base}.idx`); // the index first: no reader finds an index without its pack
    await fs.remove(`${pack.base}.pack`);
    for (const extra of ['.bitmap', '.rev', '.mtimes']) await fs.remove(`${pack.base}${extra}`);
  }
  for (const { path } of loose) await fs.remove(path);
  for (const dir of new Set(loose.map((l) => dirname(l.path)))) await fs.removeDirectory(dir);
  await packs.refresh(true);
  return { packsMerged: merged.length, looseObjectsPacked: loose.length, packs: (await packs.all()).length };
}
