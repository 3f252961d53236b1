// Walking commits newest first, as `git log` orders them by default: by committer time (ties in
// the order they were reached), every commit once, merges followed into all their parents.
// A walk over commit-graph rows (CommitNode) reads no commit object at all.
import type { Commit } from './commit.js';
import type { CommitNode } from './commit-graph.js';

/** Which parents of a commit the walk goes on into; called just before the commit is yielded. */
export type FollowParents<C extends CommitNode = Commit> = (commit: C) => Promise<readonly string[]> | readonly string[];

export async function* walkCommits<C extends CommitNode = Commit>(
  readCommit: (oid: string) => Promise<C>,
  starts: string[],
  follow: FollowParents<C> = (commit) => commit.parents,
): AsyncGenerator<C> {
  const seen = new Set<string>(starts);
  const queue: C[] = await Promise.all(starts.map(readCommit));
  while (queue.length) {
    // the frontier is small (one entry per open line of history), so a linear pick is enough
    let best = 0;
    for (let i = 1; i < queue.length; i++) {
      if (queue[i].committer.timestamp > queue[best].committer.timestamp) best = i;
    }
    const commit = queue.splice(best, 1)[0];
    const parents = await follow(commit);
    yield commit;
    for (const parent of parents) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      queue.push(await readCommit(parent));
    }
  }
}
