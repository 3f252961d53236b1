// The object database: read any object (packed or loose), write a batch of objects as one pack.
// Hashing and zlib are Node's native ones; packs are read by our own index lookup (pack-reader.ts),
// with isomorphic-git as the fallback for anything our reader does not list.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdirSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import { CorruptObjectError } from '../errors.js';
import { type Durability, writeFileDurably } from './durable-write.js';
import { readIfExists } from './small-files.js';
import { findEntry } from './tree-entry.js';
import type { TreeEntry } from './tree.js';
import { Lru } from '../util/lru.js';
import { AUTO_PACK_LIMIT, maintain, type MaintenanceResult } from './maintenance.js';
import { PackSet } from './pack-set.js';
import { packEntry, writePack } from './pack-writer.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject {
  type: ObjectType;
  content: Uint8Array;
}

/** An object to be written, with its oid already computed. */
export interface PendingObject extends GitObject {
  oid: string;
}

const OID = /^[0-9a-f]{40}$/;

export function isOid(value: string): boolean {
  return OID.test(value);
}

function header(type: ObjectType, length: number): Buffer {
  return Buffer.from(`${type} ${length}\0`);
}

/** The oid git gives this object: sha1 of `<type> <length>\0<content>`. */
export function hashObject(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(header(type, content.length)).update(content).digest('hex');
}

export class ObjectStore {
  /** isomorphic-git's own cache; one object shared by every call. */
  private readonly gitCache = {};
  /** Objects recently read or written, up to 32 MiB of content: reads after writes cost nothing. */
  private readonly recent = new Lru<string, GitObject>(32 << 20, (o) => o.content.length + 100);
  readonly packs: PackSet;

  constructor(
    readonly objectsDir: string,
    private readonly gitdir: string,
    private readonly durability: Durability = 'fsync',
  ) {
    this.packs = new PackSet(join(objectsDir, 'pack'));
  }

  loosePath(oid: string): string {
    return join(this.objectsDir, oid.slice(0, 2), oid.slice(2));
  }

  /** Reads an object, or returns undefined when the repository does not have it. */
  async tryRead(oid: string): Promise<GitObject | undefined> {
    const hit = this.recent.get(oid);
    if (hit) return hit;
    const object = this.packs.read(oid) ?? (await this.readLoose(oid)) ?? (await this.readFallback(oid));
    if (object) this.recent.set(oid, object);
    return object;
  }

  async read(oid: string): Promise<GitObject> {
    const object = await this.tryRead(oid);
    if (!object) throw new CorruptObjectError({ path: oid, reason: 'object is missing from the repository' });
    return object;
  }

  private async readLoose(oid: string): Promise<GitObject | undefined> {
    const raw = readIfExists(this.loosePath(oid));
    return raw && parseLoose(oid, inflateSync(raw));
  }

  /** Through isomorphic-git, for an object our own readers did not find (a last resort). */
  private async readFallback(oid: string): Promise<GitObject | undefined> {
    try {
      const result = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.gitCache });
      return { type: result.type as ObjectType, content: result.object as Uint8Array };
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return undefined;
      throw error;
    }
  }

  async has(oid: string): Promise<boolean> {
    if (this.recent.get(oid) || this.packs.has(oid)) return true;
    try {
      await stat(this.loosePath(oid));
      return true;
    } catch {
      return (await this.readFallback(oid)) !== undefined;
    }
  }

  /**
   * One entry of a tree, by name. A large tree that is packed uncompressed is scanned block by
   * block from the pack file, up to where the name sorts; any other tree is read whole.
   */
  async readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined> {
    const cached = this.recent.get(tree);
    if (!cached) {
      const scanned = this.packs.withEntry(tree, (pack, offset) => pack.scanStoredTree(offset, name));
      if (scanned) return scanned.entry;
    }
    const object = cached ?? (await this.read(tree));
    if (object.type !== 'tree') throw new CorruptObjectError({ path: tree, reason: `expected a tree, found a ${object.type}` });
    return findEntry(object.content, name, tree);
  }

  /** Expands an abbreviated oid (4 to 39 hex digits) to the one object it names. */
  async expand(prefix: string): Promise<string | undefined> {
    try {
      return await git.expandOid({ fs, gitdir: this.gitdir, oid: prefix, cache: this.gitCache });
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a batch of objects durably: as one pack (one file and its index, flushed and renamed
   * into place), or a lone object as a loose file. Nothing is visible before it is complete.
   */
  async write(all: PendingObject[]): Promise<void> {
    // one entry per oid: git verify-pack rejects a pack holding an object twice (two blob fields
    // with the same bytes give the same blob)
    const seen = new Set<string>();
    const objects = all.filter((object) => !seen.has(object.oid) && seen.add(object.oid));
    if (objects.length === 0) return;
    if (objects.length === 1) await this.writeLoose(objects[0]);
    else {
      mkdirSync(this.packs.dir, { recursive: true });
      // entries are compressed one at a time as the pack file is written
      writePack(this.packs.dir, objects.length, (function* () {
        for (const object of objects) yield packEntry(object);
      })(), this.durability);
    }
    // A commit's few objects are what the next reads want; an import of 300,000 would only churn
    // the cache (it keeps 32 MiB) and raise the peak memory of the import.
    if (objects.length <= 256) for (const object of objects) this.recent.set(object.oid, object);
    // housekeeping: the objects are written, so a failed merge must not fail the commit; the next
    // commit tries again
    if (this.packs.all.length > AUTO_PACK_LIMIT) await this.maintain().catch(() => {});
  }

  /** Merges small packs (all packs and loose objects with `full`), keeping every object. */
  maintain(options: { full?: boolean } = {}): Promise<MaintenanceResult> {
    return maintain(this.packs, this.objectsDir, options.full ?? false, this.durability);
  }

  private async writeLoose(object: PendingObject): Promise<void> {
    const path = this.loosePath(object.oid);
    try {
      await stat(path);
      return;
    } catch {
      await mkdir(join(this.objectsDir, object.oid.slice(0, 2)), { recursive: true });
      const bytes = deflateSync(Buffer.concat([header(object.type, object.content.length), object.content]), { level: 1 });
      writeFileDurably(path, bytes, this.durability);
    }
  }
}

function parseLoose(oid: string, data: Buffer): GitObject {
  const space = data.indexOf(0x20);
  const nul = data.indexOf(0, space);
  const type = data.subarray(0, space).toString('latin1') as ObjectType;
  const length = Number(data.subarray(space + 1, nul).toString('latin1'));
  const content = data.subarray(nul + 1);
  if (space < 0 || nul < 0 || content.length !== length || !['blob', 'tree', 'commit', 'tag'].includes(type)) {
    throw new CorruptObjectError({ path: oid, reason: 'loose object header is malformed' });
  }
  return { type, content };
}
