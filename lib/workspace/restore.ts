// Restoring: the index ops that make a part of it (a path, maybe filtered) as it is in another
// commit's tree. Only the files that differ are read and staged, as a new change on top of the
// branch; history is never rewritten.
import type { Repository } from '../git/repository.js';
import type { FileChange, ReadTree } from '../git/tree-diff.js';
import { diffAt } from '../history/tree-path.js';
import type { StageOp } from './staged-tree.js';

export async function restoreOps(
  repo: Repository,
  read: ReadTree,
  current: string,
  from: string,
  path: string,
  keep: (path: string) => boolean = () => true,
): Promise<{ ops: StageOp[]; changes: FileChange[] }> {
  const ops: StageOp[] = [];
  const changes: FileChange[] = [];
  for await (const change of diffAt(read, current, from, path)) {
    if (!keep(change.path)) continue;
    changes.push(change);
    ops.push(change.after ? { path: change.path, data: await repo.readBlob(change.after.oid, change.path) } : { path: change.path, remove: true });
  }
  return { ops, changes };
}
