// The object database: read any object (loose or packed), write loose objects atomically.
// Loose objects are read and written with Node's native zlib and sha1; packs are read through
// isomorphic-git, the only place in gitmodel that depends on it (with refs.ts for listing).
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import { CorruptObjectError } from '../errors.js';
import { Lru } from './lru.js';

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
  /** isomorphic-git's own cache (pack indexes); one object shared by every call. */
  private readonly gitCache = {};
  private readonly recent = new Lru<string, GitObject>(4096);
  private readonly known = new Set<string>();

  constructor(private readonly objectsDir: string, private readonly gitdir: string) {}

  private loosePath(oid: string): string {
    return join(this.objectsDir, oid.slice(0, 2), oid.slice(2));
  }

  /** Reads an object, or returns undefined when the repository does not have it. */
  async tryRead(oid: string): Promise<GitObject | undefined> {
    const hit = this.recent.get(oid);
    if (hit) return hit;
    let object: GitObject | undefined;
    let raw: Buffer | undefined;
    try {
      raw = await readFile(this.loosePath(oid));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (raw) object = parseLoose(oid, inflateSync(raw));
    else object = await this.readPacked(oid);
    if (object) {
      this.recent.set(oid, object);
      this.known.add(oid);
    }
    return object;
  }

  async read(oid: string): Promise<GitObject> {
    const object = await this.tryRead(oid);
    if (!object) throw new CorruptObjectError({ path: oid, reason: 'object is missing from the repository' });
    return object;
  }

  private async readPacked(oid: string): Promise<GitObject | undefined> {
    try {
      const result = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'content', cache: this.gitCache });
      return { type: result.type as ObjectType, content: result.object as Uint8Array };
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return undefined;
      throw error;
    }
  }

  async has(oid: string): Promise<boolean> {
    if (this.known.has(oid)) return true;
    try {
      await stat(this.loosePath(oid));
      this.known.add(oid);
      return true;
    } catch {
      return (await this.readPacked(oid)) !== undefined;
    }
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
   * Writes objects as loose files. Each is written to a temporary name, flushed, and renamed into
   * place, so a crash leaves either no file or a complete one; objects already present are skipped.
   */
  async write(objects: Iterable<PendingObject>): Promise<void> {
    const dirs = new Set<string>();
    for (const object of objects) {
      if (this.known.has(object.oid)) continue;
      const path = this.loosePath(object.oid);
      const dir = join(this.objectsDir, object.oid.slice(0, 2));
      if (!dirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        dirs.add(dir);
      }
      try {
        await stat(path);
      } catch {
        const bytes = deflateSync(Buffer.concat([header(object.type, object.content.length), object.content]));
        await writeFileDurably(path, bytes);
      }
      this.known.add(object.oid);
      this.recent.set(object.oid, object);
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

/** Writes a file under a temporary name beside it, flushes it, then renames it into place. */
export async function writeFileDurably(path: string, bytes: Uint8Array, mode = 0o444): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
