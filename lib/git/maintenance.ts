// Keeping the object database small and fast to search, as `git gc --auto` and
// `git repack --geometric=2` do: many small packs (one per commit) are merged into one, copying
// entries byte for byte, and loose objects can be packed. Objects are never dropped.
import { readdir, readFile, rmdir } from 'node:fs/promises';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Durability } from './durable-write.js';
import type { ObjectType } from './object-store.js';
import { decodeEntryHeader, encodeEntryHeader, OFS_DELTA, REF_DELTA } from './pack-format.js';
import type { PackFile } from './pack-reader.js';
import type { PackSet } from './pack-set.js';
import { packEntry, type RawEntry, writePack } from './pack-writer.js';

/** More packs than this and a commit merges the small ones (git gc --auto uses 50; every read
 *  that misses the caches searches each pack index, so we keep fewer). */
export const AUTO_PACK_LIMIT = 16;

export interface MaintenanceResult {
  packsMerged: number;
  looseObjectsPacked: number;
  packs: number;
}

/** Every entry of a pack as raw bytes; offset deltas become ref deltas, whose base is named by oid. */
function rawEntries(pack: PackFile): RawEntry[] {
  const byOffset = [...pack.entries()].sort((a, b) => a[1] - b[1]);
  const oidAt = new Map(byOffset.map(([oid, offset]) => [offset, oid]));
  const end = pack.fileSize - 20;
  const whole = pack.rawEntry(0, end); // one read for the pack; entries are slices of it
  return byOffset.map(([oid, offset], i) => {
    const bytes = whole.subarray(offset, i + 1 < byOffset.length ? byOffset[i + 1][1] : end);
    const header = decodeEntryHeader(bytes, pack.base);
    if (header.type !== OFS_DELTA) return { oid, bytes };
    const base = oidAt.get(offset - header.baseDistance!)!;
    return {
      oid,
      bytes: Buffer.concat([encodeEntryHeader(REF_DELTA, header.size), Buffer.from(base, 'hex'), bytes.subarray(header.length)]),
    };
  });
}

/**
 * The result, or undefined when a pack file vanished meanwhile: another process merged it, and its
 * merged pack was complete before it removed anything, so skipping the pack loses nothing.
 */
function unlessGone<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function removeIfThere(path: string): void {
  rmSync(path, { force: true });
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

async function looseObjects(objectsDir: string): Promise<{ oid: string; path: string }[]> {
  const found: { oid: string; path: string }[] = [];
  for (const dir of await readdir(objectsDir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const name of await readdir(join(objectsDir, dir)).catch(() => [] as string[])) {
      if (/^[0-9a-f]{38}$/.test(name)) found.push({ oid: dir + name, path: join(objectsDir, dir, name) });
    }
  }
  return found;
}

/**
 * Merges packs (all of them with `full`, else the small ones the geometric rule picks) and, with
 * `full`, the loose objects, into one new pack; then removes what it replaced. The new pack is
 * complete and flushed before anything is removed.
 */
export async function maintain(packs: PackSet, objectsDir: string, full: boolean, durability: Durability): Promise<MaintenanceResult> {
  packs.refresh(true);
  const candidates = packs.all
    .filter((p) => !existsSync(`${p.base}.keep`) && !existsSync(`${p.base}.promisor`))
    .map((pack) => ({ pack, size: unlessGone(() => pack.fileSize) }))
    .filter((c): c is { pack: PackFile; size: number } => c.size !== undefined)
    .sort((a, b) => a.size - b.size);
  const chosen = full ? candidates : candidates.slice(0, geometricSplit(candidates.map((c) => c.size)));
  const loose = full ? await looseObjects(objectsDir) : [];
  if (chosen.length + (loose.length ? 1 : 0) < 2 && !(chosen.length === 0 && loose.length > 0)) {
    return { packsMerged: 0, looseObjectsPacked: 0, packs: candidates.length };
  }
  const entries = new Map<string, RawEntry>();
  const merged: PackFile[] = [];
  for (const { pack } of chosen) {
    const raw = unlessGone(() => rawEntries(pack));
    if (!raw) continue;
    merged.push(pack);
    for (const entry of raw) if (!entries.has(entry.oid)) entries.set(entry.oid, entry);
  }
  for (const { oid, path } of loose) {
    if (entries.has(oid) || packs.has(oid)) continue;
    const data = inflateSync(await readFile(path));
    const nul = data.indexOf(0);
    const [type] = data.toString('latin1', 0, nul).split(' ');
    entries.set(oid, packEntry({ oid, type: type as ObjectType, content: data.subarray(nul + 1) }));
  }
  const name = writePack(packs.dir, entries.size, entries.values(), durability);
  const removed = merged.filter((pack) => !pack.base.endsWith(name));
  // git's multi-pack-index lists packs by name: one naming a removed pack fails git fsck, and
  // without it git reads the packs' own indexes, so it goes (git rebuilds it on demand)
  if (removed.length) {
    for (const file of readdirSync(packs.dir)) if (file.startsWith('multi-pack-index')) removeIfThere(join(packs.dir, file));
  }
  for (const pack of removed) {
    pack.close();
    removeIfThere(`${pack.base}.idx`); // the index first: no reader finds an index without its pack
    removeIfThere(`${pack.base}.pack`);
    for (const extra of ['.bitmap', '.rev', '.mtimes']) removeIfThere(`${pack.base}${extra}`);
  }
  for (const { path } of loose) removeIfThere(path);
  for (const dir of new Set(loose.map((l) => join(l.path, '..')))) await rmdir(dir).catch(() => {});
  packs.refresh(true);
  return { packsMerged: merged.length, looseObjectsPacked: loose.length, packs: packs.all.length };
}
