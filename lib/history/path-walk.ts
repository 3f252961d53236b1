// Commits that changed one path, newest first, as `git log -- <path>` lists them by default. Its
// history simplification: a commit whose path equals that of one of its parents is not shown and
// only that parent (the first such) is followed, so a merge appears only when the path differs
// from every parent. Each step compares the path's entries via changeAt: one entry looked up in
// the raw bytes of each tree on the path (a folder of many objects is scanned, never parsed),
// and nothing below the first subtree a commit shares with its parent. Over a commit-graph
// (git/commit-graph.ts), commits come from its rows and its Bloom filters rule most of them out.
import type { Commit } from '../git/commit.js';
import type { CommitGraph, CommitNode, GraphCommit } from '../git/commit-graph.js';
import { walkCommits } from '../git/log.js';
import type { Repository } from '../git/repository.js';
import { storedEntry } from '../git/tree-entry.js';
import type { TreeEntry } from '../git/tree.js';
import { changeAt, type EntryChange } from './tree-path.js';

export interface PathChange {
  commit: Commit;
  /** the path followed in this commit */
  path: string;
  /** the entry at the path in the first parent (undefined: absent, or a root commit) */
  before?: TreeEntry;
  /** the entry at the path in this commit (undefined: absent) */
  after?: TreeEntry;
}

/** Given a change, another path to follow into the parents (an object moved here), or undefined. */
export type FollowMove = (change: PathChange) => Promise<string | undefined>;

export interface PathWalkOptions {
  /** stop going back at commits older than this (committer time), as `git log --since` does */
  since?: Date;
  follow?: FollowMove;
}

export function olderThan(commit: CommitNode, since: Date | undefined): boolean {
  return since !== undefined && commit.committer.timestamp * 1000 < since.getTime();
}

export async function* walkPath(
  repo: Repository,
  start: string,
  path: string,
  options: PathWalkOptions = {},
): AsyncGenerator<PathChange> {
  const read = storedEntry(repo);
  // with a commit-graph, commits are its rows (no commit inflated until it is shown) and a commit
  // whose Bloom filter rules the path out is known to equal its first parent without reading a tree
  const graph = await repo.commitGraph();
  const node = (oid: string) => repo.commitNode(oid, graph);
  const keys = new Map<string, ReturnType<CommitGraph['keysFor']>>();
  const unchanged = (commit: CommitNode, path: string) => {
    // a commit newer than the graph was read whole: it has no row, so no filter
    if (!graph?.bloomVersion || !('position' in commit)) return false;
    if (!keys.has(path)) keys.set(path, graph.keysFor(path));
    return !graph.mayHaveChanged(commit as GraphCommit, keys.get(path));
  };
  // the path each queued commit is looked at with (it changes behind a followed move); first wins
  const paths = new Map([[start, path]]);
  let shown: PathChange | undefined;
  const choose = async (commit: CommitNode): Promise<readonly string[]> => {
    shown = undefined;
    if (olderThan(commit, options.since)) return [];
    const path = paths.get(commit.oid)!;
    let parents: readonly string[] = commit.parents;
    if (!parents.length) {
      const change = await changeAt(read, null, commit.tree, path);
      if (change) shown = { commit: await repo.readCommit(commit.oid), path, ...change };
    } else if (unchanged(commit, path)) {
      parents = [parents[0]];
    } else {
      let first: EntryChange | undefined;
      for (const [i, oid] of parents.entries()) {
        const change = await changeAt(read, (await node(oid)).tree, commit.tree, path);
        if (!change) {
          parents = [oid];
          first = undefined;
          break;
        }
        if (i === 0) first = change;
      }
      if (first) shown = { commit: await repo.readCommit(commit.oid), path, ...first };
    }
    const next = (shown && (await options.follow?.(shown))) ?? path;
    for (const parent of parents) if (!paths.has(parent)) paths.set(parent, next);
    return parents;
  };
  for await (const _ of walkCommits(node, [start], choose)) if (shown) yield shown;
}
