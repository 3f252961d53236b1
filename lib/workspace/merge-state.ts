// A merge in progress kept in the repository, so that another process (or this one after a crash)
// finds it (design 4.3, phase 2): a commit with parents [ours, theirs] whose tree is the merging
// index (resolutions made so far included) under refs/gitmodel/merge/<branch>, its message holding
// what the tree cannot: the revision merged, the merge bases, the commit message to use, and the
// conflicts left (as JSON summaries: kind, path, field, ids, values in JSON form). The ref moves
// only by compare-and-swap, so two processes cannot both step the same merge on.
import { MergeStateMovedError, StaleBranchError } from '../errors.js';
import type { PendingObject } from '../git/object.js';
import type { Repository } from '../git/repository.js';
import type { Who } from './committer.js';
import type { MergeConflict } from './merge-hooks.js';

export const MERGE_REFS = 'refs/gitmodel/merge/';

export const mergeRef = (branch: string): string => MERGE_REFS + branch;

/** The first line of a stored merge's message: what `git log --all` shows of it. */
const HEADLINE = 'gitmodel: merge in progress';

/** A conflict as stored: JSON, the same keys as the typed one (typed values in their JSON form). */
export type ConflictSummary = { kind: MergeConflict['kind']; path: string; field?: string } & Record<string, unknown>;

export interface StoredMerge {
  /** the stored commit (the ref's value) */
  oid: string;
  rev: string;
  ours: string;
  theirs: string;
  bases: string[];
  /** the merge commit's message */
  message: string;
  /** the merging index */
  tree: string;
  conflicts: ConflictSummary[];
  /** conflicts settled by hand or by onConflict, by key, and how */
  settled: { key: string; how: string }[];
}

/** What names one conflict across processes: its kind, the object's root, and the field. */
export function conflictKey(conflict: { kind: string; path: string; field?: unknown; target?: unknown }): string {
  const { kind, path, field, target } = conflict;
  if (kind === 'field') return `${kind}\0${path}\0${String(field)}`;
  // one reference field (an array of them) may dangle towards several targets
  if (kind === 'dangling') return `${kind}\0${path}\0${String(field)}\0${(target as { id?: string } | undefined)?.id}`;
  return `${kind}\0${path}\0`;
}

/** A conflict's JSON form: bigints as decimal strings, bytes as their length, Dates as ISO strings. */
export function summaryOf(conflict: MergeConflict): ConflictSummary {
  const replacer = (_key: string, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value instanceof Uint8Array ? { bytes: value.length } : value;
  try {
    return JSON.parse(JSON.stringify(conflict, replacer)) as ConflictSummary;
  } catch {
    // a value JSON cannot hold (a cycle): the conflict is still named by its key
    const { kind, path } = conflict;
    return { kind, path, ...('model' in conflict ? { model: conflict.model, id: conflict.id } : {}), ...(conflict.kind === 'field' ? { field: conflict.field } : {}) };
  }
}

/** The merge stored for `branch`, or null; a ref that is not one (hand-made) is ignored. */
export async function readStoredMerge(repo: Repository, branch: string): Promise<StoredMerge | null> {
  const oid = await repo.refs.read(mergeRef(branch));
  if (!oid) return null;
  const commit = await repo.readCommit(oid);
  const body = commit.message.slice(commit.message.indexOf('\n\n') + 2);
  let meta: Omit<StoredMerge, 'oid' | 'ours' | 'theirs' | 'tree'>;
  try {
    meta = JSON.parse(body);
  } catch {
    return null;
  }
  if (commit.parents.length !== 2 || !Array.isArray(meta.conflicts)) return null;
  return { ...meta, oid, ours: commit.parents[0], theirs: commit.parents[1], tree: commit.tree };
}

/**
 * Stores the merge: its tree's new objects, then the commit, then the ref moved from `expected`
 * (null: created). MergeStateMovedError when another process moved or made it first.
 */
export async function writeStoredMerge(
  repo: Repository,
  branch: string,
  merge: Omit<StoredMerge, 'oid'>,
  objects: readonly PendingObject[],
  who: Who,
  expected: string | null,
): Promise<string> {
  const { ours, theirs, tree, rev, bases, message, conflicts, settled } = merge;
  const text = `${HEADLINE} on ${branch}\n\n${JSON.stringify({ rev, bases, message, conflicts, settled })}\n`;
  const oid = await repo.writeCommit({ tree, parents: [ours, theirs], author: who.author, committer: who.committer, message: text }, objects);
  await moveRef(repo, branch, expected, oid);
  return oid;
}

/** Deletes the stored merge if it is still `expected`; MergeStateMovedError otherwise (absent: nothing to do). */
export async function dropStoredMerge(repo: Repository, branch: string, expected: string): Promise<void> {
  await moveRef(repo, branch, expected, null);
}

async function moveRef(repo: Repository, branch: string, expected: string | null, next: string | null): Promise<void> {
  const ref = mergeRef(branch);
  try {
    if (next) await repo.refs.update(ref, next, expected);
    else if (expected) await repo.refs.delete(ref, expected);
  } catch (error) {
    if (!(error instanceof StaleBranchError)) throw error;
    const actual = await repo.refs.read(ref);
    // deleting what another process already deleted is done
    if (next === null && actual === null) return;
    throw new MergeStateMovedError({ branch, ref, expected, actual });
  }
}
