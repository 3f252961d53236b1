// The history reads behind the commands and the web view's JSON routes: one object's versions
// and blame, and commits. Apart from reads.ts so that `show`, `cat` and `ls` load no history code.
import { blameObject } from '../history/blame.js';
import { type CommitInfo, commitInfo } from '../history/commit-info.js';
import { walkFiltered } from '../history/commit-walk.js';
import { objectHistory, type Version } from '../history/object-history.js';
import type { Context, ObjectRef } from './context.js';
import { type RawObject, rawSource } from './raw-models.js';

export interface VersionRow {
  commit: CommitInfo;
  id: string;
  status: Version<unknown>['status'];
  movedFrom?: string;
  object: RawObject | null;
}

export interface HistoryFilter {
  since?: Date;
  until?: Date;
  limit?: number;
}

/** The versions of one object, newest first (moves followed unless `follow` is false), as ObjectHistory reads them. */
export async function* objectVersions(ctx: Context, ref: ObjectRef, filter: HistoryFilter & { follow?: boolean } = {}): AsyncGenerator<VersionRow> {
  const m = await ctx.model(ref.rev, ref.model, ref.id);
  yield* objectHistory(rawSource(ctx.repo, m), m.commit, ref.id, filter);
}

export interface BlameRow {
  field: string;
  /** null with `unset` when the newest version has no such key (an older one had it) */
  value: unknown;
  unset?: true;
  commit: CommitInfo;
}

export async function blame(ctx: Context, ref: ObjectRef): Promise<BlameRow[]> {
  const m = await ctx.model(ref.rev, ref.model, ref.id);
  const rows = await blameObject(rawSource(ctx.repo, m), m.commit, ref.id);
  return rows.map(({ field, value, commit }) => ({ field, value: value ?? null, ...(value === undefined && { unset: true as const }), commit }));
}

export interface LogFilter extends HistoryFilter {
  author?: string;
  grep?: string;
}

/** Commits from a revision, newest first; only those touching a model's folder when one is named. */
export async function* commitLog(ctx: Context, rev = 'HEAD', model?: string, filter: LogFilter = {}): AsyncGenerator<CommitInfo> {
  const start = await ctx.resolve(rev);
  const path = model === undefined ? undefined : (await ctx.model(rev, model)).layout.sharedFolder();
  let n = 0;
  for await (const c of walkFiltered(ctx.repo, start, { path, since: filter.since, until: filter.until, author: filter.author, message: filter.grep })) {
    if (n++ >= (filter.limit ?? Infinity)) return;
    yield commitInfo(c);
  }
}
