// remote, fetch, push, pull, sync and merge from the command line, through the workspace's calls.
// The HTTP client is the one the library's Node entry installs; transfers show a progress bar on a
// terminal.
import { installDefaultHttpClient } from '../git/remote/default-http.js';
import { nodeHttpClient } from '../git/remote/node-http.js';
import type { MergeResult, OnConflict } from '../workspace/merge.js';
import { type Context, UsageError, type Values } from './context.js';
import { oneLine } from './output.js';

function installHttp(): void {
  installDefaultHttpClient(() => {
    const client = nodeHttpClient();
    return { client, release: () => client.close() };
  });
}

/**
 * `remote [list | add <name> <url> [--checkpoints] [--upstream] | remove <name>]`: the remotes in the
 * repository's config, through ws.remotes (the config `git remote` reads and writes).
 */
export async function remoteCommand(ctx: Context, args: string[], values: Values, usage: string): Promise<void> {
  const [action = 'list', name, url, ...extra] = args;
  const bad = () => new UsageError(`usage: gitmodel ${usage}`);
  const remotes = (await ctx.workspace()).remotes;
  if (extra.length) throw bad();
  if (action === 'list') {
    if (name !== undefined) throw bad();
    return void (await ctx.out.list(await remotes.list(), { line: (r) => `${r.name.padEnd(16)} ${r.url}` }));
  }
  if (action === 'add' && name !== undefined && url !== undefined) {
    // a bad name or URL, or a name in use, is the library's InvalidRemoteError: exit 64, as a usage error
    const info = await remotes.add(name, url, { checkpoints: values.checkpoints === true, upstream: values.upstream === true });
    return void (await ctx.out.value(info, () => `added remote ${info.name} ${info.url}`));
  }
  if (action === 'remove' && name !== undefined && url === undefined) {
    await remotes.remove(name);
    return void (await ctx.out.value({ removed: name }, () => `removed remote ${name}`));
  }
  throw bad();
}

function progressOf(ctx: Context, label: string) {
  const bar = ctx.out.progress(label);
  return { bar, onProgress: (p: { loaded: number; total?: number }) => bar.tick(p.loaded, p.total) };
}

export async function fetch(ctx: Context, remote?: string): Promise<void> {
  installHttp();
  const ws = await ctx.workspace();
  const { bar, onProgress } = progressOf(ctx, 'fetching');
  const r = await ws.fetch({ remote, onProgress }).finally(() => bar.end());
  await ctx.out.value(r, () =>
    [`fetched ${r.objects} objects from ${r.url}`, ...r.updated.map((m) => `  ${m.ref}: ${m.old ? m.old.slice(0, 7) : '(new)'} → ${m.new.slice(0, 7)}`)].join('\n'),
  );
}

export async function push(ctx: Context, remote: string | undefined, force: boolean): Promise<void> {
  installHttp();
  const ws = await ctx.workspace();
  const { bar, onProgress } = progressOf(ctx, 'pushing');
  const r = await ws.push({ remote, force, onProgress }).finally(() => bar.end());
  await ctx.out.value(r, () =>
    [...r.updated.map((m) => `${m.ref}: ${m.old ? m.old.slice(0, 7) : '(new)'} → ${m.new.slice(0, 7)}`), ...r.upToDate.map((ref) => `${ref}: up to date`)].join('\n'),
  );
}

/**
 * Merges a revision into the branch. Conflicts the rules leave are listed, nothing is committed
 * (exit 1) and the merge stays in progress for `resolve` and `merge --continue` in later runs,
 * unless `--strategy` settles them all (ours, theirs, lww).
 */
export async function merge(ctx: Context, rev: string, message: string | undefined, strategy: OnConflict = 'stop'): Promise<number> {
  // no model bindings: without classes there are no field rules, so the merge is git's, file by file
  const ws = await ctx.workspace();
  return report(ctx, await ws.merge(rev, { message, onConflict: strategy }));
}

/** Pull: as merge, of the branch's upstream after fetching it. */
export async function pull(ctx: Context, remote: string | undefined, strategy: OnConflict = 'stop'): Promise<number> {
  installHttp();
  const ws = await ctx.workspace();
  const { bar, onProgress } = progressOf(ctx, 'fetching');
  const r = await ws.pull({ remote, onConflict: strategy, onProgress }).finally(() => bar.end());
  return report(ctx, r);
}

/** Sync: conflicts the strategy does not settle are a MergeConflictError (nothing but remote-tracking refs changed). */
export async function sync(ctx: Context, remote: string | undefined, strategy: OnConflict = 'stop', retries?: number): Promise<void> {
  installHttp();
  const ws = await ctx.workspace();
  const r = await ws.sync({ remote, onConflict: strategy, ...(retries !== undefined ? { retries } : {}) });
  await ctx.out.value(r, () =>
    [
      r.merge ? `merge: ${r.merge.status}${r.merge.commit ? ` ${r.merge.commit}` : ''}` : 'merge: nothing to merge',
      ...r.pushed.updated.map((m) => `pushed ${m.ref}: ${m.old ? m.old.slice(0, 7) : '(new)'} → ${m.new.slice(0, 7)}`),
      ...r.pushed.upToDate.map((ref) => `${ref}: up to date`),
      `${r.attempts} round${r.attempts === 1 ? '' : 's'}`,
    ].join('\n'),
  );
}

async function report(ctx: Context, r: MergeResult): Promise<number> {
  const conflicts = r.conflicts.map((c) => ({ ...c }));
  await ctx.out.value({ ...r, conflicts }, () =>
    r.status === 'conflicts'
      ? [`${r.conflicts.length} conflicts, nothing committed; the merge is in progress: gitmodel resolve <model>/<id> --ours|--theirs, then gitmodel merge --continue (or --abort)`, ...r.conflicts.map((c) => `  ${oneLine(JSON.stringify(c), 200)}`)].join('\n')
      : `${r.status}${r.commit ? ` ${r.commit}` : ''}`,
  );
  return r.status === 'conflicts' ? 1 : 0;
}
