// One entry of a stored tree, found in the tree's raw bytes without parsing the others: reading a
// path through a folder of 10,000 objects scans bytes (no strings, no map) until the name is found.
import { CorruptObjectError } from '../errors.js';
import { Lru } from './lru.js';
import type { Repository } from './repository.js';
import { TREE_MODE, type EntryMode, type TreeEntry } from './tree.js';

/**
 * The entry named `name` in a tree's raw bytes, or undefined. Entries are sorted (a subtree as if
 * its name ended in '/'), so the scan stops at the first entry that sorts after `name/`.
 */
export function findEntry(raw: Uint8Array, name: string, where = 'tree'): TreeEntry | undefined {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const want = Buffer.from(`${name}/`);
  const length = want.length - 1;
  for (let at = 0; at < buf.length; ) {
    // a mode is 5 or 6 digits ("40000", "100644"), then a space, the name, a NUL and 20 bytes of oid
    const start = buf[at + 5] === 0x20 ? at + 6 : at + 7;
    const nul = buf.indexOf(0, start);
    if (nul < 0 || nul + 21 > buf.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    if (nul - start === length && buf.compare(want, 0, length, start, nul) === 0) {
      const mode = buf.toString('latin1', at, start - 1);
      return { mode: (mode === '040000' ? TREE_MODE : mode) as EntryMode, oid: buf.toString('hex', nul + 1, nul + 21) };
    }
    // past "name/" in byte order means past both places the name could sort to
    if (buf.compare(want, 0, want.length, start, Math.min(nul, start + want.length)) > 0) break;
    at = nul + 21;
  }
  return undefined;
}

/**
 * Looks names up in stored trees through their raw bytes, remembering recent answers: a history
 * walk asks for the same entry of a tree twice (as a commit's, then as its child's parent's).
 */
export function storedEntry(repo: Repository): (tree: string, name: string) => Promise<TreeEntry | undefined> {
  const recent = new Lru<string, TreeEntry | null>(1024);
  return async (tree, name) => {
    const key = `${tree} ${name}`;
    const hit = recent.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const object = await repo.objects.read(tree);
    if (object.type !== 'tree') throw new CorruptObjectError({ path: tree, reason: `expected a tree, found a ${object.type}` });
    const entry = findEntry(object.content, name, tree);
    recent.set(key, entry ?? null);
    return entry;
  };
}
