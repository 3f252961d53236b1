// One path in two trees: what is there, whether it changed, and the file changes below it. Both
// trees are descended together and the descent stops at the first equal subtree, so comparing a
// path costs only the trees on that path, and nothing where the two sides share a subtree oid.
// Entries are looked up by name through a ReadEntry: in stored trees, by scanning raw bytes.
import { diffTrees, type FileChange, type ReadTree } from '../git/tree-diff.js';
import { isTreeMode, TREE_MODE, type TreeEntry } from '../git/tree.js';

export interface EntryChange {
  /** the entry at the path in the first tree, undefined when absent */
  before?: TreeEntry;
  after?: TreeEntry;
}

/** One entry of a tree by name: storedEntry() for stored trees, entriesOf() for any tree reader. */
export type ReadEntry = (tree: string, name: string) => Promise<TreeEntry | undefined>;

export function entriesOf(read: ReadTree): ReadEntry {
  return async (tree, name) => (await read(tree)).get(name);
}

function same(a: TreeEntry | undefined, b: TreeEntry | undefined): boolean {
  return a?.oid === b?.oid && a?.mode === b?.mode;
}

async function child(read: ReadEntry, entry: TreeEntry | undefined, name: string): Promise<TreeEntry | undefined> {
  return entry && isTreeMode(entry.mode) ? read(entry.oid, name) : undefined;
}

function rootEntry(tree: string | null): TreeEntry | undefined {
  return tree ? { mode: TREE_MODE, oid: tree } : undefined;
}

/** The entry at a slash-separated path below a tree ('' is the tree itself), or undefined. */
export async function entryAt(read: ReadEntry, tree: string, path: string): Promise<TreeEntry | undefined> {
  let entry = rootEntry(tree);
  for (const name of path ? path.split('/') : []) entry = await child(read, entry, name);
  return entry;
}

/** The entries at `path` in two trees (null: no tree), or null when they are the same. */
export async function changeAt(read: ReadEntry, a: string | null, b: string | null, path: string): Promise<EntryChange | null> {
  let before = rootEntry(a);
  let after = rootEntry(b);
  for (const name of path ? path.split('/') : []) {
    if (same(before, after)) return null;
    before = await child(read, before, name);
    after = await child(read, after, name);
  }
  return same(before, after) ? null : { before, after };
}

// stand-ins for the path's two parent directories; no oid looks like these
const LEFT = 'left-side';
const RIGHT = 'right-side';

/** The file changes at and below `path` between two trees ('' compares the whole trees). */
export async function* diffAt(read: ReadTree, a: string | null, b: string | null, path: string): AsyncGenerator<FileChange> {
  if (!path) return yield* diffTrees(read, a, b);
  const change = await changeAt(entriesOf(read), a, b, path);
  if (!change) return;
  // diffTrees over two one-entry directories holding just the path handles every file/tree/absent case
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const side = (entry?: TreeEntry) => new Map(entry ? [[name, entry]] : []);
  const sides = new Map([[LEFT, side(change.before)], [RIGHT, side(change.after)]]);
  yield* diffTrees(async (oid) => sides.get(oid) ?? read(oid), LEFT, RIGHT, path.slice(0, slash + 1));
}
