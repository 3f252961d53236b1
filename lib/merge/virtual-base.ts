// The merge base's tree when two commits have several best common ancestors (criss-cross merges),
// made as git's ort does: merge the bases pairwise, oldest first, each pair with its own merge
// base(s) (recursively: those may be virtual too), into a "virtual" base that is never committed.
// Where git writes conflict markers into the virtual base, a typed data file cannot hold them (it
// would stop being JSON), so every conflict inside the virtual base settles to the version of the
// inner merge's own base: git's choice for binary files and delete/modify in inner merges. The
// outer merge then sees both sides' changes against that older version, and reports a conflict
// where git would. The trees and blobs made are returned: the caller must make them readable by
// the outer merge's reader and resolver (write them, or overlay them with withObjects()).
import { EMPTY_TREE, type PendingObject } from '../git/object.js';
import { type CommitNode, mergeBases } from './merge-base.js';
import type { MergeLayout, MergeStats, ReadTreeBytes, ResolveObject } from './merge-types.js';
import { newStats } from './merge-types.js';
import { applyChanges } from './tree-apply.js';
import { mergeTrees, type MergeTreesOptions } from './tree-merge.js';

/** What the recursion needs of a commit: its tree, besides what merge-base.ts walks. */
export interface BaseCommit extends CommitNode {
  readonly tree: string;
}

export type ReadBaseCommit = (oid: string) => Promise<BaseCommit>;

export interface VirtualBase {
  /** the tree to merge against: the one base's own, a virtual one for several, null for none */
  tree: string | null;
  /** whether `tree` was made here (then `objects` holds it and whatever else was made) */
  virtual: boolean;
  objects: PendingObject[];
  /** pairwise merges of bases made, at every depth */
  merges: number;
  /** conflicts met inside the virtual base (settled to the inner base's version, shown to no one) */
  conflicts: number;
  /** the inner merges' work, added up */
  stats: MergeStats;
}

/** A tree reader that also serves the objects made here (before they are written anywhere). */
export function withObjects(read: ReadTreeBytes, objects: Iterable<PendingObject>): ReadTreeBytes {
  const made = new Map<string, Uint8Array>();
  for (const object of objects) made.set(object.oid, object.content);
  return (oid) => {
    const hit = made.get(oid);
    return hit ? Promise.resolve(hit) : read(oid);
  };
}

/**
 * The merge base tree for commits whose merge bases are `bases` (as mergeBases() returns them).
 * `resolveObject` is asked with `virtual: true`; options (onDelete, fingerprint) as for mergeTrees.
 */
export async function mergeBaseTree<C>(
  io: { readCommit: ReadBaseCommit; readTree: ReadTreeBytes },
  bases: readonly string[],
  layout: MergeLayout,
  resolveObject: ResolveObject<C>,
  options: Omit<MergeTreesOptions, 'virtual'> = {},
): Promise<VirtualBase> {
  const result: VirtualBase = { tree: null, virtual: false, objects: [], merges: 0, conflicts: 0, stats: newStats() };
  if (bases.length === 0) return result;
  if (bases.length === 1) {
    result.tree = (await io.readCommit(bases[0])).tree;
    return result;
  }
  const made = new Map<string, Uint8Array>();
  const virtualCommits = new Map<string, BaseCommit>();
  const readCommit = (oid: string): Promise<BaseCommit> => virtualCommits.get(oid) ? Promise.resolve(virtualCommits.get(oid)!) : io.readCommit(oid);
  const readTree: ReadTreeBytes = (oid) => {
    const hit = made.get(oid);
    return hit ? Promise.resolve(hit) : io.readTree(oid);
  };

  /** The merged tree of several commits, oldest first, as ort's merge_ort_internal folds them. */
  const combine = async (oids: readonly string[]): Promise<string | null> => {
    const commits = await Promise.all(oids.map(async (oid) => ({ oid, commit: await readCommit(oid) })));
    commits.sort((a, b) => a.commit.time - b.commit.time || (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
    let merged = commits[0];
    for (const next of commits.slice(1)) {
      const tree = await mergePair(merged.oid, merged.commit.tree, next.oid, next.commit.tree);
      // a commit of the merged tree with both as parents, so the next pair's bases can be found
      const oid = `virtual:${virtualCommits.size + 1}`;
      const commit: BaseCommit = { tree: tree ?? EMPTY_TREE, parents: [merged.oid, next.oid], time: Math.max(merged.commit.time, next.commit.time) };
      virtualCommits.set(oid, commit);
      merged = { oid, commit };
    }
    return treeOrNull(merged.commit.tree);
  };

  const mergePair = async (a: string, aTree: string, b: string, bTree: string): Promise<string | null> => {
    const inner = await mergeBases(readCommit, a, b);
    const base = inner.length === 0 ? null : inner.length === 1 ? treeOrNull((await readCommit(inner[0])).tree) : await combine(inner);
    const ours = treeOrNull(aTree);
    const merge = await mergeTrees(readTree, { base, ours, theirs: treeOrNull(bTree) }, layout, resolveObject, { ...options, virtual: true });
    const applied = await applyChanges(readTree, ours, merge.changes);
    for (const object of applied.objects) {
      made.set(object.oid, object.content);
      result.objects.push(object);
    }
    result.merges++;
    result.conflicts += merge.conflicts.length;
    for (const key of Object.keys(result.stats) as (keyof MergeStats)[]) result.stats[key] += merge.stats[key];
    return applied.tree;
  };

  result.tree = await combine(bases);
  result.virtual = true;
  return result;
}

/** A commit's tree as the tree merge takes it: null for the empty tree (which need not be stored). */
function treeOrNull(tree: string): string | null {
  return tree === EMPTY_TREE ? null : tree;
}
