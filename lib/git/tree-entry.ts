// One entry of a stored tree, found in the tree's raw bytes without parsing the others: reading a
// path through a folder of 10,000 objects scans bytes (no strings, no map) until the name is found.
import { CorruptObjectError } from '../errors.js';
import { Lru } from '../util/lru.js';
import { compareBytes, toHex, utf8 } from '../util/bytes.js';
import { modeAt, type TreeEntry } from './tree.js';

/** Where a scan over part of a tree's bytes got to. */
export interface EntryScan {
  /** the entry, when found */
  found?: TreeEntry;
  /** true when the scan can stop: found, or past where the name would sort */
  done: boolean;
  /** bytes of whole entries scanned; the rest is the start of an entry cut off by the buffer's end */
  consumed: number;
}

/**
 * Scans the whole entries at the start of `buf` (the first bytes of a tree, or all of them) for
 * `name`. Entries are sorted (a subtree as if its name ended in '/'), so the scan stops at the
 * first entry that sorts after `name/`.
 */
export function scanForEntry(buf: Uint8Array, name: string): EntryScan {
  const want = utf8(`${name}/`);
  const length = want.length - 1;
  let at = 0;
  while (at < buf.length) {
    // a mode is 5 or 6 digits ("40000", "100644"), then a space, the name, a NUL and 20 bytes of oid
    const start = buf[at + 5] === 0x20 ? at + 6 : at + 7;
    const nul = buf.indexOf(0, start);
    if (nul < 0 || nul + 21 > buf.length) break;
    if (nul - start === length && compareBytes(want, buf, 0, length, start, nul) === 0) {
      const found = { mode: modeAt(buf, at, start - 1), oid: toHex(buf, nul + 1, nul + 21) };
      return { found, done: true, consumed: nul + 21 };
    }
    // past "name/" in byte order means past both places the name could sort to
    if (compareBytes(buf, want, start, Math.min(nul, start + want.length), 0, want.length) > 0) return { done: true, consumed: at };
    at = nul + 21;
  }
  return { done: false, consumed: at };
}

/** The entry named `name` in a tree's raw bytes, or undefined. */
export function findEntry(raw: Uint8Array, name: string, where = 'tree'): TreeEntry | undefined {
  const scan = scanForEntry(raw, name);
  if (!scan.done && scan.consumed !== raw.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
  return scan.found;
}

/** Whatever reads one entry of a stored tree (a Repository does). */
export interface TreeEntryReader {
  readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined>;
}

/**
 * Looks names up in stored trees through their raw bytes, remembering recent answers: a history
 * walk asks for the same entry of a tree twice (as a commit's, then as its child's parent's).
 */
export function storedEntry(repo: TreeEntryReader): (tree: string, name: string) => Promise<TreeEntry | undefined> {
  const recent = new Lru<string, TreeEntry | null>(1024);
  return async (tree, name) => {
    const key = `${tree} ${name}`;
    const hit = recent.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const entry = await repo.readTreeEntry(tree, name);
    recent.set(key, entry ?? null);
    return entry;
  };
}
