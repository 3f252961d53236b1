// `status`, and `branch`, `tag`, `checkpoint`: ref management through the workspace's
// collections (names checked, refs moved by compare-and-swap under git's lock protocol).
import { STALE_LOCK_MS } from '../git/fs/lockfile.js';
import { readStoredMerge } from '../workspace/merge-state.js';
import { redoDepth } from '../workspace/undo.js';
import { type Context, UsageError, type Values } from './context.js';
import { day, oneLine } from './output.js';
import { bindModels } from './writes.js';

export interface Status {
  branch: string;
  head: string | null;
  /** how many commits `redo` can bring back */
  redoDepth: number;
  checkpoints: number;
  branches: number;
  tags: number;
  /** the command line has no index: nothing is ever staged between commands */
  staged: 0;
  /** the merge left in progress on the branch (`gitmodel conflicts`): what it merges and how many conflicts are left */
  merging: { theirs: string; rev: string; conflicts: number } | null;
  /** ref lock files present, of any age: a young one is a writer at work, a stale one (verify, clear-locks) one that died */
  locks: { path: string; ageMs: number; stale: boolean }[];
}

export async function status(ctx: Context): Promise<Status> {
  const { repo } = ctx;
  const target = await repo.refs.symbolicTarget('HEAD');
  const branch = ctx.globals.branch ?? (target?.startsWith('refs/heads/') ? target.slice('refs/heads/'.length) : 'HEAD');
  const head = await repo.refs.read(branch === 'HEAD' ? 'HEAD' : `refs/heads/${branch}`);
  return {
    branch,
    head,
    redoDepth: await redoDepth(repo, branch, head),
    checkpoints: (await repo.refs.list('refs/checkpoints/')).length,
    branches: (await repo.refs.list('refs/heads/')).length,
    tags: (await repo.refs.list('refs/tags/')).length,
    staged: 0,
    merging: await mergingOf(ctx, branch, head),
    locks: (await repo.staleLocks(0)).map(({ name, ageMs }) => ({ path: name, ageMs, stale: ageMs >= STALE_LOCK_MS })),
  };
}

/** A merge stored for the branch counts only while the branch is still where it started (as Workspace.open judges it). */
async function mergingOf(ctx: Context, branch: string, head: string | null): Promise<Status['merging']> {
  const stored = branch === 'HEAD' ? null : await readStoredMerge(ctx.repo, branch);
  return stored && stored.ours === head ? { theirs: stored.theirs, rev: stored.rev, conflicts: stored.conflicts.length } : null;
}

const msg = (v: Values[string]) => (typeof v === 'string' ? v : undefined);

export async function refCommand(ctx: Context, kind: 'branch' | 'tag' | 'checkpoint', args: string[], values: Values, usage: string): Promise<number | void> {
  const [action = 'list', name, rev, ...extra] = args;
  const bad = () => new UsageError(`usage: gitmodel ${usage}`);
  if (extra.length) throw bad();
  const ws = await ctx.workspace();
  const out = ctx.out;
  if (action === 'list') {
    if (name !== undefined) throw bad();
    if (kind === 'branch') {
      return void (await out.list(await ws.branches.list(), { line: (b) => `${b.current ? '*' : ' '} ${b.name.padEnd(24)} ${b.head.slice(0, 7)}` }));
    }
    if (kind === 'tag') {
      return void (await out.list(await ws.tags.list(), { line: (t) => `${t.name.padEnd(24)} ${t.commit.slice(0, 7)}${t.message ? `  ${oneLine(t.message, 60)}` : ''}` }));
    }
    return void (await out.list(await ws.checkpoints.list(), { line: (c) => `${c.name.padEnd(28)} ${c.oid.slice(0, 7)}  ${day(c.date)}  ${oneLine(c.message, 50)}` }));
  }
  if (action === 'create') {
    if (kind === 'checkpoint') {
      if (rev !== undefined) throw bad();
      const info = await ws.checkpoints.create(name, { message: msg(values.message) });
      return void (await out.value(info, () => `checkpoint ${info.name} at ${info.oid}`));
    }
    if (name === undefined) throw bad();
    const info =
      kind === 'branch'
        ? await ws.branches.create(name, { from: rev })
        : await ws.tags.create(name, { at: rev, message: msg(values.message) });
    return void (await out.value(info, () => `${kind} ${info.name} at ${'head' in info ? info.head : info.commit}`));
  }
  if (action === 'delete') {
    if (name === undefined || rev !== undefined) throw bad();
    const oid =
      kind === 'branch'
        ? await ws.branches.delete(name, { force: values.force === true })
        : kind === 'tag'
          ? await ws.tags.delete(name)
          : await ws.checkpoints.delete(name);
    return void (await out.value({ deleted: name, oid }, () => `deleted ${kind} ${name} (was ${oid.slice(0, 7)})`));
  }
  if (action === 'rename' && kind === 'branch') {
    if (name === undefined || rev === undefined) throw bad();
    const info = await ws.branches.rename(name, rev);
    return void (await out.value({ renamed: name, name: info.name, head: info.head }, () => `renamed branch ${name} to ${info.name} (at ${info.head.slice(0, 7)})`));
  }
  if (action === 'restore' && kind === 'checkpoint') {
    if (name === undefined || rev !== undefined) throw bad();
    // every file as the checkpoint has it, staged, then one commit (none when nothing differs)
    const from = `checkpoints/${name}`;
    await bindModels(ctx, ws);
    const changes = await ws.restore({ from });
    const commit = await ws.commit({ message: msg(values.message) ?? `Restore checkpoint ${name}` });
    return void (await out.value({ commit, changes }, () => (commit ? `committed ${commit}` : 'nothing to restore: the branch has what the checkpoint has')));
  }
  throw bad();
}
