// A tree merge's changes laid over a stored tree without the workspace: the new trees (and the
// blobs of merged objects) made in memory, for a virtual merge base (virtual-base.ts) and to check
// a merge against git's. Only the folders on changed paths are read and rewritten; a large folder
// with a few changes is copied as whole spans of its old bytes, as TreeOffsets.patch in lib/git/tree-entry.ts does.
// The workspace applies the same changes to its own index instead (lib/workspace/staged-tree.ts).
import { hashObject, type PendingObject } from '../git/object.js';
import { entryBytes, isTreeMode, sortKey, type TreeEntry } from '../git/tree.js';
import { compareBytes, concatBytes, utf8 } from '../util/bytes.js';
import type { ObjectFile, ReadTreeBytes, TreeChange } from './merge-types.js';
import { compareNameTo, TreeCursor } from './tree-cursor.js';

export interface AppliedTree {
  /** the new root tree; null when nothing is left (git has no empty trees but the empty root) */
  tree: string | null;
  /** every tree and blob made here (not in the object store yet), each once */
  objects: PendingObject[];
}

/** What the changes do at one path: set the entry there (null: remove it), then edit below it. */
interface Edit {
  set?: TreeEntry | null;
  below?: Map<string, Edit>;
}

/** Lays `changes` (in order) over the tree `root` (null: none). */
export async function applyChanges(read: ReadTreeBytes, root: string | null, changes: readonly TreeChange[]): Promise<AppliedTree> {
  const objects = new Map<string, PendingObject>();
  const top: Edit = {};
  for (const change of changes) {
    const at = editAt(top, change.path);
    if (change.op === 'graft') set(at, change.entry);
    else if (change.op === 'remove') set(at, null);
    else {
      set(at, null);
      for (const file of change.files) {
        const rest = file.path === change.path ? '' : file.path.slice(change.path.length + 1);
        if (file.path !== change.path && !file.path.startsWith(`${change.path}/`)) {
          throw new RangeError(`merged file ${JSON.stringify(file.path)} is outside its object's root ${JSON.stringify(change.path)}`);
        }
        set(editAt(at, rest), fileEntry(file, objects));
      }
    }
  }
  const result = await rebuild(read, root === null ? null : { mode: '40000', oid: root }, top, '', objects);
  return { tree: result && isTreeMode(result.mode) ? result.oid : null, objects: [...objects.values()] };
}

function set(edit: Edit, entry: TreeEntry | null): void {
  edit.set = entry;
  edit.below = undefined;
}

function editAt(top: Edit, path: string): Edit {
  let edit = top;
  if (path === '') return edit;
  for (const part of path.split('/')) {
    edit.below ??= new Map();
    let next = edit.below.get(part);
    if (!next) edit.below.set(part, (next = {}));
    edit = next;
  }
  return edit;
}

function fileEntry(file: ObjectFile, objects: Map<string, PendingObject>): TreeEntry {
  if ('entry' in file) return file.entry;
  const oid = hashObject('blob', file.data);
  if (file.oid !== undefined && file.oid !== oid) throw new RangeError(`merged file ${JSON.stringify(file.path)}: oid ${file.oid} is not its content's (${oid})`);
  objects.set(oid, { type: 'blob', oid, content: file.data });
  return { mode: file.mode ?? '100644', oid };
}

/** The entry `existing` becomes under `edit`; folders below are rebuilt first. */
async function rebuild(read: ReadTreeBytes, existing: TreeEntry | null, edit: Edit, where: string, objects: Map<string, PendingObject>): Promise<TreeEntry | null> {
  const start = edit.set !== undefined ? edit.set : existing;
  if (!edit.below) return start;
  const raw = start && isTreeMode(start.mode) ? await read(start.oid) : undefined;
  // the old entries of the names edited here, and where they sit in the bytes: a merge-join of
  // the edited names (each as a file and as a folder, since either may be there) with the entries
  const old = new Map<string, TreeEntry>();
  const drops: number[] = [];
  const wanted: { name: string; bytes: Uint8Array; tree: boolean; key: Uint8Array }[] = [];
  for (const name of edit.below.keys()) {
    const bytes = utf8(name);
    wanted.push({ name, bytes, tree: false, key: bytes }, { name, bytes, tree: true, key: utf8(`${name}/`) });
  }
  wanted.sort((a, b) => compareBytes(a.key, b.key));
  let w = 0;
  for (const c = new TreeCursor(raw, where); !c.done && w < wanted.length; c.next()) {
    let order = -1;
    while (w < wanted.length && (order = compareNameTo(wanted[w].bytes, wanted[w].tree, c)) < 0) w++;
    if (order !== 0) continue;
    old.set(wanted[w].name, c.entry());
    drops.push(c.mark);
    w++;
  }
  const inserts: { key: Uint8Array; name: Uint8Array; tree: boolean; bytes: Uint8Array }[] = [];
  for (const [name, below] of edit.below) {
    const entry = await rebuild(read, old.get(name) ?? null, below, `${where}${name}/`, objects);
    if (!entry) continue;
    inserts.push({ key: sortKey(name, entry.mode), name: utf8(name), tree: isTreeMode(entry.mode), bytes: entryBytes(name, entry) });
  }
  inserts.sort((a, b) => compareBytes(a.key, b.key));
  const out: Uint8Array[] = [];
  let span = 0;
  let next = 0;
  let drop = 0;
  const c = new TreeCursor(raw, where);
  for (; !c.done; c.next()) {
    while (next < inserts.length && compareNameTo(inserts[next].name, inserts[next].tree, c) < 0) {
      out.push(raw!.subarray(span, c.mark), inserts[next++].bytes);
      span = c.mark;
    }
    if (drop < drops.length && drops[drop] === c.mark) {
      out.push(raw!.subarray(span, c.mark));
      span = c.nameEnd + 21;
      drop++;
    }
  }
  if (raw) out.push(raw.subarray(span));
  while (next < inserts.length) out.push(inserts[next++].bytes);
  const bytes = concatBytes(out);
  if (bytes.length === 0) return null;
  const oid = hashObject('tree', bytes);
  objects.set(oid, { type: 'tree', oid, content: bytes });
  return { mode: '40000', oid };
}
