// The object database of a git directory: objects read from packs (our own index lookup,
// pack-reader.ts) or loose files; a batch written as one pack, a lone object as a loose file.
// No cache of its own: Repository keeps recently used objects above the seam, for every backend.
import { type GitObject, isOid, type PendingObject } from '../object.js';
import type { Durability, FileSystem, IncomingPack, MaintenanceResult, ObjectDatabase, RandomAccessFile, StoredEntry } from '../ports.js';
import type { TreeOffsets } from '../tree-entry.js';
import type { TreeEntry } from '../tree.js';
import { looseWithPrefix, loosePath, readLoose, writeLoose } from './loose.js';
import { AUTO_PACK_LIMIT, maintain } from './maintenance.js';
import { PackSet } from './pack-set.js';
import { type DeferredEntry, type PackFile, PackGoneError, ReadWindow } from './pack-reader.js';
import { platform } from '../../platform/current.js';
import { buildIndex, buildIndexOf, packEntry, placePack, writePack } from './pack-writer.js';
import { writeAtomic, writeStreamed } from './lockfile.js';
import { toHex } from '../../util/bytes.js';
import { join } from './paths.js';

/**
 * Entries of at least this size are inflated on the platform's worker in a bulk read; smaller ones
 * (most trees) here, in JavaScript, faster than the worker's zlib call per stream would (node.ts).
 */
const OFF_THREAD_MIN = 256;
/** Entries per message to the worker: the reader goes on locating and reading while it inflates. */
const OFF_THREAD_BATCH = 1024;

/** A bulk read's larger entries, inflated on the platform's worker a batch at a time while the reader goes on. */
class OffThread {
  private batch: { oid: string; entry: DeferredEntry }[] = [];
  private readonly jobs: Promise<void>[] = [];

  constructor(
    private readonly found: Map<string, GitObject>,
    /** one object read alone (through every pack and the loose files) */
    private readonly readOne: (oid: string) => Promise<GitObject | undefined>,
  ) {}

  add(oid: string, entry: DeferredEntry): void {
    this.batch.push({ oid, entry });
    if (this.batch.length >= OFF_THREAD_BATCH) this.send();
  }

  private send(): void {
    const batch = this.batch;
    if (!batch.length) return;
    this.batch = [];
    const starts = new Uint32Array(batch.length + 1);
    const sizes = new Uint32Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      starts[i + 1] = starts[i] + batch[i].entry.stream.length;
      sizes[i] = batch[i].entry.size;
    }
    const data = new Uint8Array(starts[batch.length]);
    for (let i = 0; i < batch.length; i++) data.set(batch[i].entry.stream, starts[i]);
    const inflated = platform().inflateMany!(data, starts, sizes).then(
      (out) => {
        // copies, not views of the batch's buffer: a cache that keeps one object keeps only its bytes
        for (let i = 0, at = 0; i < batch.length; at += sizes[i++]) {
          this.found.set(batch[i].oid, { type: batch[i].entry.type, content: out.slice(at, at + sizes[i]) });
        }
      },
      async () => {
        // some stream does not inflate: each entry read alone, so the bad one fails as a single read of it does
        for (const { oid } of batch) {
          const object = await this.readOne(oid);
          if (object) this.found.set(oid, object);
        }
      },
    );
    this.jobs.push(inflated);
  }

  async done(): Promise<void> {
    this.send();
    await Promise.all(this.jobs);
  }
}

export class FsObjectDatabase implements ObjectDatabase {
  readonly packs: PackSet;

  constructor(
    private readonly fs: FileSystem,
    readonly objectsDir: string,
    private readonly durability: Durability = 'fsync',
  ) {
    this.packs = new PackSet(fs, join(objectsDir, 'pack'));
  }

  // Packs, then the loose file, then the packs once more: another process (git gc, our own
  // maintenance) may have packed the loose object and removed it between the first two looks, as
  // git's own lookup allows for. The second look at the packs lists the directory again only if it
  // changed, so an object that is truly absent still costs one stat.
  async read(oid: string) {
    return (await this.packs.read(oid)) ?? (await readLoose(this.fs, loosePath(this.objectsDir, oid), oid)) ?? (await this.packs.read(oid));
  }

  async has(oid: string): Promise<boolean> {
    return (await this.packs.has(oid)) || (await this.fs.stat(loosePath(this.objectsDir, oid))) !== undefined || (await this.packs.has(oid));
  }

  /**
   * One entry of a tree, by name, when the tree is packed uncompressed (a large folder): scanned
   * block by block from the pack file, up to where the name sorts. Undefined for any other tree.
   */
  async readTreeEntry(tree: string, name: string, table = true): Promise<{ entry?: TreeEntry; offsets?: TreeOffsets } | undefined> {
    return (await this.packs.withEntry(tree, (pack, offset) => pack.scanStoredTree(offset, name, table))) ?? undefined;
  }

  /** Objects by pack (newest first, as searched) and offset, each located once; loose ones after. */
  async readMany(oids: readonly string[]): Promise<Map<string, GitObject>> {
    const rank = new Map((await this.packs.all()).map((pack, i) => [pack, i]));
    const packed: { oid: string; pack: PackFile; offset: number; rank: number }[] = [];
    const others: string[] = [];
    for (const oid of oids) {
      const hit = await this.packs.locate(oid);
      if (hit) packed.push({ oid, pack: hit.pack, offset: hit.offset, rank: rank.get(hit.pack) ?? -1 });
      else others.push(oid);
    }
    packed.sort((a, b) => a.rank - b.rank || a.offset - b.offset);
    const found = new Map<string, GitObject>();
    const external = (base: string) => this.packs.read(base);
    const offThread = platform().inflateMany && packed.length >= OFF_THREAD_BATCH / 4 ? new OffThread(found, (oid) => this.read(oid)) : undefined;
    let window = new ReadWindow();
    for (let i = 0; i < packed.length; i++) {
      const { oid, pack, offset } = packed[i];
      if (i > 0 && packed[i - 1].pack !== pack) window = new ReadWindow();
      try {
        const got = await pack.readOrDefer(offset, external, window, offThread ? OFF_THREAD_MIN : Infinity);
        if ('deferred' in got) offThread!.add(oid, got);
        else found.set(oid, got);
      } catch (error) {
        // merged away by another process meanwhile: read where it is now
        if (!(error instanceof PackGoneError)) throw error;
        others.push(oid);
      }
    }
    await offThread?.done();
    for (const oid of others) {
      const object = await this.read(oid);
      if (object) found.set(oid, object);
    }
    return found;
  }

  /** The one object whose oid starts with `prefix`: the packs' indexes searched from their fan-out, then the loose folder. */
  async expand(prefix: string): Promise<string | undefined> {
    const p = prefix.toLowerCase();
    if (!/^[0-9a-f]{4,40}$/.test(p)) return undefined;
    const found = await this.packs.withPrefix(p);
    for (const oid of await looseWithPrefix(this.fs, this.objectsDir, p)) found.add(oid);
    return found.size === 1 ? [...found][0] : undefined;
  }

  /**
   * Writes a batch of objects durably: as one pack (one file and its index, flushed and renamed
   * into place), or a lone object as a loose file. Nothing is visible before it is complete.
   * Batches that other writers in this process give while a pack is being written share the
   * next pack and its flushes (PackQueue).
   */
  async write(all: readonly PendingObject[]): Promise<void> {
    // one entry per oid: git verify-pack rejects a pack holding an object twice (two blob fields
    // with the same bytes give the same blob)
    const objects = unique(all);
    // checked before anything is written: a bad batch writes nothing
    for (const object of objects) if (!isOid(object.oid)) throw new TypeError(`${JSON.stringify(object.oid)} is not an oid`);
    if (objects.length === 0) return;
    if (objects.length === 1) await writeLoose(this.fs, this.objectsDir, objects[0], this.durability);
    else await this.packs.adopt(await packQueue(this.fs, this.packs.dir).add(objects, this.durability));
    // housekeeping: the objects are written, so a failed merge must not fail the commit; the next
    // commit tries again. Counted among the packs known (another writer's new packs are counted
    // by its own commits), so a commit lists the directory only when a read misses.
    if (this.packs.known.length > AUTO_PACK_LIMIT) await this.maintain().catch(() => {});
  }

  /**
   * Stores a pack received whole and already verified (trailer, every entry hashed, connectivity):
   * written to objects/pack/tmp_pack_* and placed with its index as writePack does. `index`:
   * every entry's oid, offset and CRC (pack-parse.ts's indexPack).
   */
  async addPack(pack: Uint8Array, index: readonly { oid: string; offset: number; crc: number }[]): Promise<void> {
    await this.fs.mkdirp(this.packs.dir);
    const checksum = pack.slice(pack.length - 20);
    const temp = await writeStreamed(this.fs, this.packs.dir, 'tmp_pack_');
    try {
      for (let at = 0; at < pack.length; at += 1 << 20) temp.file.write(pack.subarray(at, Math.min(pack.length, at + (1 << 20))));
    } catch (error) {
      await temp.abort();
      throw error;
    }
    await placePack(this.fs, this.packs.dir, temp, buildIndex([...index], index.map((e) => e.offset), checksum), checksum, this.durability);
  }

  /**
   * A pack streamed to objects/pack/tmp_pack_* as it arrives; read back from there to be indexed,
   * then flushed and renamed to pack-<checksum>.pack with its index beside it, as writePack does.
   * A failure removes the temporary file (one left by a crash is what `git gc` removes).
   */
  async receivePack(): Promise<IncomingPack> {
    await this.fs.mkdirp(this.packs.dir);
    const fs = this.fs;
    const dir = this.packs.dir;
    const durability = this.durability;
    const temp = await writeStreamed(fs, dir, 'tmp_pack_');
    let reader: RandomAccessFile | undefined;
    let state: 'writing' | 'written' | 'done' = 'writing';
    return {
      write: (bytes) => temp.file.write(bytes),
      async written() {
        // flushed now when durable: the rename after indexing then needs no second pass over it
        await temp.file.close(durability === 'fsync');
        state = 'written';
        reader = await fs.open(temp.temp);
        if (!reader) throw new Error(`${temp.temp} vanished while it was being received`);
        return reader;
      },
      async publish(index, checksum) {
        if (state !== 'written') throw new Error('publish() before written()');
        reader?.close();
        reader = undefined;
        const name = `pack-${toHex(checksum)}`;
        await fs.rename(temp.temp, join(dir, `${name}.pack`));
        state = 'done';
        await writeAtomic(fs, join(dir, `${name}.idx`), buildIndexOf(index, checksum), durability);
      },
      async abort() {
        reader?.close();
        reader = undefined;
        if (state === 'writing') await temp.abort();
        else if (state === 'written') await fs.remove(temp.temp);
        state = 'done';
      },
    };
  }

  /** The object's entry as stored in a pack (undefined when loose or absent), for copying raw. */
  storedEntry(oid: string): Promise<StoredEntry | undefined> {
    return this.packs.withEntry(oid, (pack, offset) => pack.storedEntry(offset));
  }

  private graph: { mtimeMs: number; size: number; bytes: Uint8Array } | undefined;

  // one stat per walk: the bytes read again only when another writer (git, our maintenance) replaced the file
  async readCommitGraph(): Promise<Uint8Array | undefined> {
    const path = join(this.objectsDir, 'info', 'commit-graph');
    const stat = await this.fs.stat(path);
    if (!stat || stat.isDirectory) return (this.graph = undefined);
    if (this.graph?.mtimeMs === stat.mtimeMs && this.graph.size === stat.size) return this.graph.bytes;
    const bytes = await this.fs.readFile(path);
    this.graph = bytes && { mtimeMs: stat.mtimeMs, size: stat.size, bytes };
    return bytes;
  }

  async writeCommitGraph(bytes: Uint8Array): Promise<void> {
    await this.fs.mkdirp(join(this.objectsDir, 'info'));
    await writeAtomic(this.fs, join(this.objectsDir, 'info', 'commit-graph'), bytes, this.durability);
  }

  /** Merges small packs (all packs and loose objects with `full`), keeping every object. */
  maintain(options: { full?: boolean } = {}): Promise<MaintenanceResult> {
    return maintain(this.fs, this.packs, this.objectsDir, options.full ?? false, this.durability);
  }
}

/** The objects, each oid once (the first). */
function unique(objects: readonly PendingObject[]): PendingObject[] {
  const seen = new Set<string>();
  return objects.filter((object) => !seen.has(object.oid) && seen.add(object.oid));
}

interface Waiting {
  objects: readonly PendingObject[];
  durability: Durability;
  /** with the pack's name */
  resolve(name: string): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the object batches of one pack directory, shared by every database on it in
 * this process (each workspace opens its own): the first batch is written at once; those given
 * while it is written and flushed wait, and then go into one pack together, flushed once, so N
 * writers committing at once pay for about two flushes, not N. A failed pack fails the batches in it.
 */
class PackQueue {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly forget: () => void,
  ) {}

  /** Writes the objects in the next pack; its name. */
  add(objects: readonly PendingObject[], durability: Durability): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ objects, durability, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length) {
      const group = this.waiting.splice(0);
      try {
        const objects = unique(group.flatMap((w) => w.objects));
        await this.fs.mkdirp(this.dir);
        // entries are compressed one at a time as the pack file is written
        const name = await writePack(this.fs, this.dir, objects.length, (function* () {
          for (const object of objects) yield packEntry(object);
        })(), group.some((w) => w.durability === 'fsync') ? 'fsync' : 'atomic');
        for (const w of group) w.resolve(name);
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.writing = false;
    this.forget();
  }
}

const queues = new WeakMap<FileSystem, Map<string, PackQueue>>();

function packQueue(fs: FileSystem, dir: string): PackQueue {
  let byDir = queues.get(fs);
  if (!byDir) queues.set(fs, (byDir = new Map()));
  let queue = byDir.get(dir);
  if (!queue) byDir.set(dir, (queue = new PackQueue(fs, dir, () => byDir.delete(dir))));
  return queue;
}
