// Optimistic concurrency for commit(): when the branch moved since the workspace read it, the staged
// changes are re-applied on the new head, unless the other commits changed one of the same objects.
// An object is its whole root (folder, or data file); a file outside every model is an object of
// its own. Like a version column per object: a conflict is an object changed on both sides, even
// to the same value, and is reported, never merged.
import { ConflictError, type ConflictingObject } from '../errors.js';
import { type FileChange, diffTrees } from '../git/tree-diff.js';
import { fold, type StagedTree, type StageOp } from './staged-tree.js';

/** The object a path belongs to: its model and id (null outside every model) and its root path. */
export type ObjectOf = (path: string) => { model: string | null; id: string | null; root: string };

export interface Move {
  branch: string;
  /** the head the staged changes were made on, and its tree (null: unborn) */
  expected: string | null;
  base: string | null;
  /** the head the branch has now, and its tree */
  actual: string;
  onto: string;
}

/**
 * Rebuilds the index as `move.onto` plus exactly the files the staged changes wrote or removed
 * (a write keeps its bytes, a removal stays a removal). Throws ConflictError, leaving the index
 * as it was, when an object was changed both by the staged changes and between base and onto.
 */
export async function rebaseIndex(index: StagedTree, move: Move, objectOf: ObjectOf): Promise<void> {
  const ours = await collect(diffTrees(index, move.base, index.treeOid()));
  const theirs = await collect(diffTrees(index, move.base, move.onto));
  const objects = overlap(byObject(ours, objectOf), byObject(theirs, objectOf));
  if (objects.length) throw new ConflictError({ branch: move.branch, expected: move.expected, actual: move.actual, objects });

  const ops: StageOp[] = [];
  for (const { path, after } of ours) ops.push(after ? { path, data: (await index.readFile(path))!, oid: after.oid } : { path, remove: true });
  const savepoint = index.savepoint();
  try {
    index.reset(move.onto);
    await index.apply(ops);
  } catch (error) {
    savepoint.rollback();
    throw error;
  }
  savepoint.release();
}

async function collect(changes: AsyncIterable<FileChange>): Promise<FileChange[]> {
  const out: FileChange[] = [];
  for await (const change of changes) out.push(change);
  return out;
}

/**
 * Changed files grouped by the root of the object they belong to, keyed as a case-insensitive
 * disk sees the root: `page/Foo` made here and `page/foo` made by another writer are one object
 * (the same check a single save makes against the folder beside it).
 */
function byObject(changes: FileChange[], objectOf: ObjectOf): Map<string, ConflictingObject> {
  const objects = new Map<string, ConflictingObject>();
  for (const { path } of changes) {
    const { model, id, root } = objectOf(path);
    const key = fold(root);
    const object = objects.get(key) ?? { model, id, paths: [] };
    object.paths.push(path);
    objects.set(key, object);
  }
  return objects;
}

/**
 * The objects changed on both sides: the same root, or a root inside another's (a file the other
 * side wrote where this side's folder is).
 */
function overlap(ours: Map<string, ConflictingObject>, theirs: Map<string, ConflictingObject>): ConflictingObject[] {
  const hits = new Map<string, ConflictingObject>();
  const add = (root: string, object: ConflictingObject) => {
    const hit = hits.get(root) ?? { ...object, paths: [] };
    hit.paths = [...new Set([...hit.paths, ...object.paths])].sort();
    hits.set(root, hit);
  };
  for (const [a, b] of [[ours, theirs], [theirs, ours]]) {
    for (const [root, object] of a) {
      for (let at = root; at; at = at.slice(0, Math.max(at.lastIndexOf('/'), 0))) {
        const other = b.get(at);
        if (other) {
          add(root, object);
          add(at, other);
        }
      }
    }
  }
  return [...hits.values()];
}
