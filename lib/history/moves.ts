// Following an object across an id change. Saving an object under a new id removes the old
// folder and writes the new one in the same commit, with every field but the id unchanged; that
// is what is recognised here (a move combined with other edits is not: history then starts at
// the new id's creation).
import { diffTrees } from '../git/tree-diff.js';
import type { ObjectSource } from './object-source.js';
import type { PathChange } from './path-walk.js';
import { changedFields } from './values.js';

/**
 * The id the object had before `change` created it: a data file of the same model that the same
 * (non-merge) commit deleted, whose decoded fields equal the new object's but for the id.
 */
export async function movedFrom<T>(source: ObjectSource<T>, change: PathChange): Promise<string | undefined> {
  const { commit } = change;
  if (!change.after || change.before || commit.parents.length !== 1) return undefined;
  const { repo } = source;
  const parent = await repo.readCommit(commit.parents[0]);
  const others = source.fields.filter((f) => f !== source.idField);
  let object: T | undefined;
  // diffTrees skips every subtree the commit did not change: this reads only what the commit touched
  for await (const file of diffTrees((oid) => repo.readTree(oid), parent.tree, commit.tree)) {
    const old = file.status === 'deleted' ? source.idOf(file.path) : undefined;
    if (old === undefined) continue;
    object ??= await source.read(commit.tree, source.idOf(change.path)!, commit.oid);
    const before = await source.read(parent.tree, old, parent.oid);
    if (changedFields(source, others, before, object).length === 0) return old;
  }
  return undefined;
}
