// Git tree objects: parsing raw bytes into entries and writing entries back in git's order.
import { CorruptObjectError } from '../errors.js';

export type EntryMode = '100644' | '100755' | '120000' | '40000' | '160000';

export interface TreeEntry {
  mode: EntryMode;
  oid: string;
}

export const TREE_MODE: EntryMode = '40000';
export const FILE_MODE: EntryMode = '100644';

export function isTreeMode(mode: string): boolean {
  return mode === TREE_MODE;
}

/** Parses a tree's raw bytes into a name → entry map (in the tree's own order). */
export function parseTree(content: Uint8Array, where = 'tree'): Map<string, TreeEntry> {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const entries = new Map<string, TreeEntry>();
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    const nul = buf.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > buf.length) {
      throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    }
    let mode = buf.toString('latin1', at, space);
    if (mode === '040000') mode = TREE_MODE;
    const name = buf.toString('utf8', space + 1, nul);
    const oid = buf.toString('hex', nul + 1, nul + 21);
    entries.set(name, { mode: mode as EntryMode, oid });
    at = nul + 21;
  }
  return entries;
}

/** Git sorts tree entries by name, comparing a subtree's name as if it ended in '/'. */
function sortKey(name: string, mode: string): Buffer {
  return Buffer.from(isTreeMode(mode) ? `${name}/` : name);
}

/** Serializes entries into a tree's canonical bytes (empty trees are allowed but never written by us). */
export function serializeTree(entries: Iterable<[string, TreeEntry]>): Buffer {
  const list = [...entries].map(([name, entry]) => ({ name, entry, key: sortKey(name, entry.mode) }));
  list.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { name, entry } of list) {
    parts.push(Buffer.from(`${entry.mode} ${name}\0`), Buffer.from(entry.oid, 'hex'));
  }
  return Buffer.concat(parts);
}
