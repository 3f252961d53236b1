// Loose objects: one zlib-compressed file per object, `objects/<2 hex>/<38 hex>`, holding
// `<type> <length>\0<content>`.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { concatBytes, fromLatin1 } from '../../util/bytes.js';
import { type GitObject, objectHeader, type ObjectType, type PendingObject } from '../object.js';
import type { Durability, FileSystem } from '../ports.js';
import { writeAtomic } from './lockfile.js';
import { join } from './paths.js';

const TYPES = new Set(['blob', 'tree', 'commit', 'tag']);

export function loosePath(objectsDir: string, oid: string): string {
  return join(objectsDir, oid.slice(0, 2), oid.slice(2));
}

/** Parses an inflated loose object; `where` names it in errors. */
export function parseLoose(where: string, data: Uint8Array): GitObject {
  const space = data.indexOf(0x20);
  const nul = space < 0 ? -1 : data.indexOf(0, space);
  const type = fromLatin1(data, 0, Math.max(space, 0));
  const length = Number(fromLatin1(data, space + 1, Math.max(nul, space + 1)));
  const content = data.subarray(nul + 1);
  if (space < 0 || nul < 0 || content.length !== length || !TYPES.has(type)) {
    throw new CorruptObjectError({ path: where, reason: 'loose object header is malformed' });
  }
  return { type: type as ObjectType, content };
}

/** The loose object at `path`, or undefined when there is no such file. */
export async function readLoose(fs: FileSystem, path: string, oid: string): Promise<GitObject | undefined> {
  const raw = await fs.readFile(path);
  if (!raw) return undefined;
  let data: Uint8Array;
  try {
    data = platform().inflate(raw);
  } catch (error) {
    throw new CorruptObjectError({ path: oid, reason: `loose object does not inflate (${(error as Error).message})` });
  }
  return parseLoose(oid, data);
}

/** Writes one object as a loose file, unless it is there already. */
export async function writeLoose(fs: FileSystem, objectsDir: string, object: PendingObject, durability: Durability): Promise<void> {
  const path = loosePath(objectsDir, object.oid);
  if (await fs.stat(path)) return;
  await fs.mkdirp(join(objectsDir, object.oid.slice(0, 2)));
  const bytes = platform().deflate(concatBytes([objectHeader(object.type, object.content.length), object.content]), 1);
  await writeAtomic(fs, path, bytes, durability);
}

/** The loose objects whose oids start with `prefix` (two hex digits or more). */
export async function looseWithPrefix(fs: FileSystem, objectsDir: string, prefix: string): Promise<string[]> {
  const dir = prefix.slice(0, 2);
  const rest = prefix.slice(2);
  return (await fs.list(join(objectsDir, dir)))
    .filter((e) => /^[0-9a-f]{38}$/.test(e.name) && e.name.startsWith(rest))
    .map((e) => dir + e.name);
}
