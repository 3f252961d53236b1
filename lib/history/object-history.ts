// The versions of one object along a branch, newest first: only the commits that changed its data
// file (as `git log -- <data file>` lists them), each with the object as that commit left it.
import { commitInfo, type CommitInfo } from './commit-info.js';
import { movedFrom } from './moves.js';
import type { ObjectSource } from './object-source.js';
import { type PathChange, walkPath } from './path-walk.js';

export interface Version<T> {
  commit: CommitInfo;
  /** the object's id in this commit (an older one behind a followed move) */
  id: string;
  /** against the commit's first parent; `moved`: created here under `id` from `movedFrom` */
  status: 'created' | 'modified' | 'deleted' | 'moved';
  movedFrom?: string;
  /** the object as this commit left it; null when the commit deleted it */
  object: T | null;
}

export interface HistoryOptions {
  /** versions committed at or after this time; the walk does not go back past older commits */
  since?: Date;
  /** versions committed at or before this time */
  until?: Date;
  /** at most this many versions */
  limit?: number;
  /** follow the object back across a change of its id (default true); false: its history under
   *  this id only, as `git log -- <path>` without --follow (a move shows as `created`) */
  follow?: boolean;
}

function statusOf(change: PathChange, moved: string | undefined): Version<unknown>['status'] {
  if (!change.after) return 'deleted';
  if (moved !== undefined) return 'moved';
  return change.before ? 'modified' : 'created';
}

export async function* objectHistory<T>(
  source: ObjectSource<T>,
  start: string,
  id: string,
  options: HistoryOptions = {},
): AsyncGenerator<Version<T>> {
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const moves = new Map<string, string>(); // commit oid → the id the object moved from there
  const follow = async (change: PathChange) => {
    const from = await movedFrom(source, change);
    if (from === undefined) return undefined;
    moves.set(change.commit.oid, from);
    return source.dataPath(from);
  };
  let count = 0;
  for await (const change of walkPath(source.repo, start, source.dataPath(id), { since: options.since, follow: options.follow === false ? undefined : follow })) {
    const { commit } = change;
    if (options.until && commit.committer.timestamp * 1000 > options.until.getTime()) continue;
    const at = source.idOf(change.path)!;
    const moved = moves.get(commit.oid);
    yield {
      commit: commitInfo(commit),
      id: at,
      status: statusOf(change, moved),
      ...(moved !== undefined && { movedFrom: moved }),
      object: change.after ? await source.read(commit.tree, at, commit.oid) : null,
    };
    if (++count >= limit) return;
  }
}
