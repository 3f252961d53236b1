// pull, sync, upstream config, prune and live sync (lib/workspace/sync.ts, sync-live.ts) end to
// end: two workspaces ("machines") on two repositories sync through one real `git http-backend`
// (test/git-server.ts) or a local bare repository, judged with the git CLI on every end.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  Field,
  type HttpClient,
  MergeConflictError,
  MergeInProgressError,
  Model,
  PushRejectedError,
  RemoteUnreachableError,
  StagedChangesError,
  StaleRemoteError,
  type LiveSync,
  type LiveSyncEventType,
  type SyncEvent,
  Workspace,
} from '../lib/index.js';
import { nodeHttpClient } from '../lib/git/remote/node-http.js';
import { startGitServer, type GitServer } from './git-server.js';
import { expectFsckClean, git, rejected, tempDir } from './helpers.js';

class Task extends Model<Task> {
  @Field({ id: true }) name!: string;
  @Field() title: string = '';
  @Field() status: string = 'open';
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const servers: GitServer[] = [];
const clients: { close(): void }[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (clients.length) clients.pop()!.close();
  while (servers.length) await servers.pop()!.stop();
});

/** A bare repository `server.git` served by git http-backend; its URL and path. */
async function served(): Promise<{ url: string; bare: string; server: GitServer }> {
  const root = tempDir();
  git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
  const server = await startGitServer(root);
  servers.push(server);
  return { url: `${server.url}/server.git`, bare: join(root, 'server.git'), server };
}

/** A bare repository on disk (a path remote). */
function bareRepo(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '--bare', '-b', 'main', 'shared.git');
  return join(dir, 'shared.git');
}

interface Machine {
  ws: Workspace;
  path: string;
  /** saves a task on this machine (the class is rebound to it: two machines share one process) */
  save(name: string, fields: Partial<Pick<Task, 'title' | 'status'>>, commit?: boolean): Promise<void>;
  get(name: string, at?: string): Promise<Task>;
}

async function machine(url: string, options: { upstream?: boolean } = {}): Promise<Machine> {
  const path = join(tempDir(), 'data.git');
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Task);
  await ws.remotes.add('origin', url, { upstream: options.upstream ?? true });
  return {
    ws,
    path,
    async save(name, fields, commit = true) {
      ws.register(Task);
      const task = (await Task.exists(name)) ? await Task.get(name) : new Task({ name });
      Object.assign(task, fields);
      await task.save(commit ? { commit: true, message: `${name}: ${JSON.stringify(fields)}` } : {});
    },
    async get(name, at) {
      ws.register(Task);
      return Task.get(name, at === undefined ? {} : { at });
    },
  };
}

/** Two machines on `url` that share one commit (t1 titled 'one'). */
async function pair(url: string): Promise<[Machine, Machine]> {
  const a = await machine(url);
  const b = await machine(url);
  await a.save('t1', { title: 'one' });
  await a.ws.sync();
  await b.ws.sync();
  return [a, b];
}

/** An HTTP client that counts requests by method and can run something before a request. */
function counting(before?: (url: string, method: string) => Promise<void> | void): HttpClient & { counts: { GET: number; POST: number }; down: boolean } {
  const inner = nodeHttpClient();
  clients.push(inner);
  const client = {
    counts: { GET: 0, POST: 0 },
    down: false,
    async request(req: Parameters<HttpClient['request']>[0]) {
      if (client.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' });
      const method = (req.method ?? 'GET') as 'GET' | 'POST';
      await before?.(req.url, method);
      client.counts[method]++;
      return inner.request(req);
    },
  };
  return client;
}

function rev(gitdir: string, what: string): string {
  return git(gitdir, 'rev-parse', what).trim();
}

function next(target: LiveSync, type: LiveSyncEventType): Promise<SyncEvent> {
  return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
}

describe('upstream config and prune', () => {
  it('remotes.add({ upstream }) writes branch.<name>.remote/.merge as git push -u does: @{u} resolves, push and fetch default to it', async () => {
    const { url, bare } = await served();
    const a = await machine(url);
    expect(git(a.path, 'config', 'branch.main.remote')).toBe('origin\n');
    expect(git(a.path, 'config', 'branch.main.merge')).toBe('refs/heads/main\n');
    expect(await a.ws.remotes.upstream()).toEqual({ remote: 'origin', merge: 'refs/heads/main' });
    await a.save('t1', { title: 'Write' });
    await a.ws.push();
    expect(git(a.path, 'rev-parse', '--abbrev-ref', 'main@{u}')).toBe('origin/main\n');
    expect(rev(a.path, 'main@{u}')).toBe(a.ws.head);
    expect(rev(bare, 'main')).toBe(a.ws.head);
    await a.save('t1', { status: 'doing' });
    expect(git(a.path, 'rev-list', '--left-right', '--count', 'main...main@{u}')).toBe('1\t0\n'); // git status -sb: [ahead 1]

    // upstream on another branch of the remote: the default push goes there (push.default upstream)
    await a.ws.remotes.setUpstream('origin', { merge: 'live' });
    expect(git(a.path, 'config', 'branch.main.merge')).toBe('refs/heads/live\n');
    const pushed = await a.ws.push();
    expect(pushed.updated).toEqual([{ ref: 'refs/heads/live', old: null, new: a.ws.head }]);
    expect(rev(bare, 'live')).toBe(a.ws.head);
    expect(rev(a.path, 'main@{u}')).toBe(a.ws.head);

    // the remote defaults to the upstream's, else origin
    const backup = bareRepo();
    await a.ws.remotes.add('backup', backup, { upstream: true });
    expect(git(a.path, 'config', 'branch.main.remote')).toBe('backup\n');
    expect((await a.ws.push()).updated[0]).toMatchObject({ ref: 'refs/heads/main' });
    expect((await a.ws.fetch()).remote).toBe('backup');
    expect((await a.ws.fetch({ remote: 'origin' })).remote).toBe('origin');
    // a section key of the user's is kept when the upstream is rewritten
    git(a.path, 'config', 'branch.main.description', 'the data');
    await a.ws.remotes.setUpstream('origin');
    expect(git(a.path, 'config', 'branch.main.description')).toBe('the data\n');
    expect(git(a.path, 'config', 'branch.main.remote')).toBe('origin\n');
    // removing the remote unsets the upstreams on it (git remote remove), other keys stay
    await a.ws.remotes.remove('origin');
    expect(await a.ws.remotes.upstream()).toBeNull();
    expect(git(a.path, 'config', '--get-regexp', '^branch\\.')).toBe('branch.main.description the data\n');
    expectFsckClean(a.path);
  }, 60_000);

  it('fetch({ prune }) deletes remote-tracking refs whose branch is gone, and only with prune', async () => {
    const { url, bare } = await served();
    const a = await machine(url);
    await a.save('t1', { title: 'x' });
    await a.ws.push();
    await a.ws.push({ refs: ['main:refs/heads/feature', 'main:refs/heads/old/one'] });
    const b = await machine(url);
    await b.ws.fetch();
    git(b.path, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
    expect(git(b.path, 'for-each-ref', '--format=%(refname)', 'refs/remotes/').trim().split('\n')).toEqual([
      'refs/remotes/origin/HEAD',
      'refs/remotes/origin/feature',
      'refs/remotes/origin/main',
      'refs/remotes/origin/old/one',
    ]);
    git(bare, 'update-ref', '-d', 'refs/heads/feature');
    git(bare, 'update-ref', '-d', 'refs/heads/old/one');
    expect((await b.ws.fetch()).pruned).toEqual([]);
    expect(git(b.path, 'for-each-ref', '--format=%(refname)', 'refs/remotes/origin/feature')).not.toBe('');
    const result = await b.ws.fetch({ prune: true });
    expect(result.pruned.sort()).toEqual(['refs/remotes/origin/feature', 'refs/remotes/origin/old/one']);
    expect(git(b.path, 'for-each-ref', '--format=%(refname)', 'refs/remotes/').trim().split('\n')).toEqual(['refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
    expectFsckClean(b.path);
  }, 60_000);
});

describe('sync through a git http-backend', () => {
  it('two machines converge, with a field-level merge (two fields of one object); an up-to-date sync is one GET', async () => {
    const { url, bare } = await served();
    const a = await machine(url);
    const b = await machine(url);
    await a.save('t1', { title: 'Write', status: 'open' });
    const first = await a.ws.sync();
    expect(first).toMatchObject({ merge: null, attempts: 1 });
    expect(first.pushed.updated).toEqual([{ ref: 'refs/heads/main', old: null, new: a.ws.head }]);

    const joined = await b.ws.sync(); // an unborn branch takes the remote's
    expect(joined.merge?.status).toBe('fast-forward');
    expect(b.ws.head).toBe(a.ws.head);

    await b.save('t1', { status: 'done' });
    await a.save('t1', { title: 'Write the docs' });
    expect((await b.ws.sync()).pushed.updated).toHaveLength(1);
    const merged = await a.ws.sync();
    expect(merged.merge?.status).toBe('merged');
    expect(merged.merge?.conflicts).toEqual([]);
    expect(merged.pushed.updated[0].new).toBe(a.ws.head);
    expect((await b.ws.sync()).merge?.status).toBe('fast-forward');

    expect(b.ws.head).toBe(a.ws.head);
    expect(rev(bare, 'main')).toBe(a.ws.head);
    for (const m of [a, b]) {
      expect(await m.get('t1')).toMatchObject({ title: 'Write the docs', status: 'done' });
      expect(git(m.path, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/remotes/')).toBe(`refs/remotes/origin/main ${a.ws.head}\n`);
      expectFsckClean(m.path);
    }
    expectFsckClean(bare);
    // the merge commit has two parents: A's edit and B's
    const parents = git(bare, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ');
    expect(parents).toHaveLength(3);
    expect(git(bare, 'log', '--graph', '--format=%s', 'main')).toMatch(/\|\\/);
    expect(git(bare, 'log', '-1', '--format=%s', 'main').trim()).toBe("Merge remote-tracking branch 'origin/main'");

    // up to date: the fetch's discovery is the only request, no push is sent
    const http = counting();
    const before = await servers[0].stats();
    const idle = await a.ws.sync({ http });
    expect(http.counts).toEqual({ GET: 1, POST: 0 });
    expect(await servers[0].stats()).toEqual({ ...before, discover: before.discover + 1 });
    expect(idle).toMatchObject({ merge: { status: 'up-to-date' }, pushed: { updated: [], upToDate: ['refs/heads/main'] }, attempts: 1 });
  }, 90_000);

  it('a concurrent pusher between fetch and push: the push is refused, sync fetches, merges and pushes again, and converges', async () => {
    const { url, bare } = await served();
    const [a, b] = await pair(url);
    await a.save('t1', { title: 'mine' });
    let raced = 0;
    const http = counting(async (requestUrl) => {
      // B pushes the moment A asks to push (after A's fetch and merge)
      if (requestUrl.endsWith('service=git-receive-pack') && raced++ === 0) {
        await b.save('t2', { title: 'theirs' });
        await b.ws.sync();
      }
    });
    const result = await a.ws.sync({ http });
    expect(result.attempts).toBe(2);
    expect(result.merge?.status).toBe('merged');
    expect(rev(bare, 'main')).toBe(a.ws.head);
    await b.ws.sync();
    expect(b.ws.head).toBe(a.ws.head);
    expect(await b.get('t1')).toMatchObject({ title: 'mine' });
    expect(await a.get('t2')).toMatchObject({ title: 'theirs' });
    for (const path of [a.path, b.path, bare]) expectFsckClean(path);
  }, 90_000);

  it('another writer that keeps winning: StaleRemoteError after `retries`, local commits and staged changes intact', async () => {
    const { url, bare } = await served();
    const [a, b] = await pair(url);
    await a.save('t1', { title: 'mine' });
    const mine = a.ws.head!;
    await a.save('t9', { title: 'staged' }, false);
    let n = 0;
    const http = counting(async (requestUrl) => {
      if (requestUrl.endsWith('service=git-receive-pack')) {
        await b.save('t2', { title: `theirs ${n++}` });
        await b.ws.sync();
      }
    });
    const error = await rejected(a.ws.sync({ http, retries: 2 }));
    expect(error).toBeInstanceOf(StaleRemoteError);
    expect(error).toMatchObject({ code: 'STALE_REMOTE', data: { remote: 'origin', ref: 'refs/heads/main', attempts: 3 } });
    expect(n).toBe(3);
    // A kept its commit (merged with B's), and its staged change
    expect(git(a.path, 'merge-base', '--is-ancestor', mine, 'main')).toBe('');
    expect(rev(a.path, 'main')).toBe(a.ws.head);
    expect(await a.get('t9')).toMatchObject({ title: 'staged' });
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t9']);
    expect(rev(bare, 'main')).toBe(b.ws.head);
    for (const path of [a.path, b.path, bare]) expectFsckClean(path);
  }, 90_000);

  it("onConflict 'stop': MergeConflictError changes nothing but remote-tracking refs; ws.merge settles it, sync pushes", async () => {
    const { url, bare } = await served();
    const [a, b] = await pair(url);
    await b.save('t1', { title: 'from b' });
    await b.ws.sync();
    await a.save('t1', { title: 'from a' });
    await a.save('t2', { title: 'staged' }, false);
    const head = a.ws.head;
    const error = await rejected(a.ws.sync());
    expect(error).toBeInstanceOf(MergeConflictError);
    expect(error).toMatchObject({ code: 'MERGE_CONFLICT', data: { branch: 'main', theirs: 'refs/remotes/origin/main' } });
    expect((error as MergeConflictError).data.conflicts).toMatchObject([{ kind: 'field', id: 't1', field: 'title', ours: 'from a', theirs: 'from b' }]);
    expect(a.ws.head).toBe(head);
    expect(rev(a.path, 'main')).toBe(head);
    expect(a.ws.merging).toBeNull();
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t2']);
    expect(rev(a.path, 'refs/remotes/origin/main')).toBe(b.ws.head);
    expect(rev(bare, 'main')).toBe(b.ws.head);
    expectFsckClean(a.path);

    // a strategy settles it instead
    const settled = await a.ws.sync({ onConflict: 'theirs' });
    expect(settled.merge?.resolved).toMatchObject([{ field: 'title', how: 'onConflict:theirs' }]);
    expect(await a.get('t1')).toMatchObject({ title: 'from b' });
    expect(settled.staged).toBe('reapplied');
    expect(rev(bare, 'main')).toBe(rev(a.path, 'main'));
    expectFsckClean(bare);
  }, 90_000);

  it('a server that is down: RemoteUnreachableError, the local commit and staged changes intact', async () => {
    const { url, server } = await served();
    const a = await machine(url);
    await a.save('t1', { title: 'one' });
    await a.save('t2', { title: 'staged' }, false);
    const head = a.ws.head;
    await server.stop();
    servers.length = 0;
    const error = await rejected(a.ws.sync());
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect(error).toMatchObject({ code: 'REMOTE_UNREACHABLE', data: { phase: 'discover' } });
    expect(a.ws.head).toBe(head);
    expect(rev(a.path, 'main')).toBe(head);
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t2']);
    expect(git(a.path, 'for-each-ref', 'refs/remotes/')).toBe('');
    expectFsckClean(a.path);
  }, 60_000);
});

describe('pull', () => {
  it('a concurrent local writer during the pull: the merge is made on its commit, staged changes re-applied (or kept when they overlap)', async () => {
    const { url } = await served();
    const [a, b] = await pair(url);
    await b.save('t1', { status: 'done' });
    await b.ws.sync();

    // a second workspace on A's repository commits while A's pull is fetching
    const other = await Workspace.open(a.path, { author: AUTHOR });
    await a.save('t2', { title: 'staged on a' }, false);
    const http = counting(async (_url, method) => {
      if (method === 'POST') {
        other.register(Task);
        await new Task({ name: 't3', title: 'by the other writer' }).save({ commit: true });
      }
    });
    const pulled = await a.ws.pull({ http });
    expect(pulled.status).toBe('merged');
    expect(pulled.staged).toBe('reapplied');
    expect(pulled.fetched.updated).toHaveLength(1);
    expect(git(a.path, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ')).toEqual([pulled.commit, other.head, b.ws.head]);
    expect(a.ws.head).toBe(pulled.commit);
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t2']);
    await a.ws.commit({ message: 'staged' });
    expect(await a.get('t1')).toMatchObject({ status: 'done' });
    expect(await a.get('t3')).toMatchObject({ title: 'by the other writer' });
    expect(await a.get('t2')).toMatchObject({ title: 'staged on a' });
    expectFsckClean(a.path);

    // staged changes to an object the pull changed are kept over the old head; commit() then says so
    await a.ws.sync();
    await b.ws.sync();
    await b.save('t2', { status: 'done' });
    await b.ws.sync();
    await a.save('t2', { title: 'edited again' }, false);
    const head = a.ws.head;
    const kept = await a.ws.pull();
    expect(kept.status).toBe('fast-forward');
    expect(kept.staged).toBe('kept');
    expect(kept.keptObjects).toMatchObject([{ model: 'task', id: 't2' }]);
    expect(a.ws.head).toBe(head);
    expect(rev(a.path, 'main')).toBe(kept.commit);
    expect(await rejected(a.ws.commit({ message: 'x' }))).toBeInstanceOf(ConflictError);
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t2']);
    expectFsckClean(a.path);
  }, 90_000);

  it('conflicts leave the workspace merging (as git pull); with staged changes StagedChangesError; while merging MergeInProgressError', async () => {
    const { url } = await served();
    const [a, b] = await pair(url);
    await b.save('t1', { title: 'from b' });
    await b.ws.sync();
    await a.save('t1', { title: 'from a' });
    const head = a.ws.head;

    await a.save('t2', { title: 'staged' }, false);
    const staged = await rejected(a.ws.pull());
    expect(staged).toBeInstanceOf(StagedChangesError);
    expect(a.ws.head).toBe(head);
    expect(rev(a.path, 'main')).toBe(head);
    expect(a.ws.merging).toBeNull();
    await a.ws.discard();

    const result = await a.ws.pull();
    expect(result.status).toBe('conflicts');
    expect(a.ws.merging?.conflicts).toMatchObject([{ field: 'title' }]);
    expect(await rejected(a.ws.pull())).toBeInstanceOf(MergeInProgressError);
    expect(await rejected(a.ws.sync())).toBeInstanceOf(MergeInProgressError);
    await a.ws.resolveAll('ours');
    await a.ws.commit();
    expect((await a.ws.sync()).pushed.updated).toHaveLength(1);
    await b.ws.pull({ ff: 'only' });
    expect(await b.get('t1')).toMatchObject({ title: 'from a' });
    expectFsckClean(b.path);
  }, 90_000);
});

describe('sync through a local path remote', () => {
  it('two machines converge through a bare repository on disk, with a field-level merge', async () => {
    const shared = bareRepo();
    const a = await machine(shared);
    const b = await machine(`file://${shared}`);
    await a.save('t1', { title: 'Write', status: 'open' });
    await a.ws.sync();
    await b.ws.sync();
    await a.save('t1', { title: 'Write more' });
    await b.save('t1', { status: 'done' });
    await a.ws.sync();
    const merged = await b.ws.sync();
    expect(merged.merge?.status).toBe('merged');
    await a.ws.sync();
    expect(a.ws.head).toBe(b.ws.head);
    expect(rev(shared, 'main')).toBe(a.ws.head);
    expect(git(shared, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ')).toHaveLength(3);
    for (const m of [a, b]) expect(await m.get('t1')).toMatchObject({ title: 'Write more', status: 'done' });
    for (const path of [a.path, b.path, shared]) expectFsckClean(path);
  }, 60_000);
});

describe('sync({ pushCheckpoints })', () => {
  it('pushes the checkpoints once the branch is in step; a checkpoint name the remote holds at another commit is refused', async () => {
    const shared = bareRepo();
    const a = await machine(shared);
    await a.save('t1', { title: 'first' });
    const v1 = await a.ws.checkpoints.create('v1');
    const synced = await a.ws.sync({ pushCheckpoints: true });
    expect(synced.pushed.updated.map((u) => u.ref)).toEqual(['refs/heads/main']);
    expect(synced.checkpoints?.updated).toEqual([{ ref: 'refs/checkpoints/v1', old: null, new: v1.oid }]);
    expect(rev(shared, 'refs/checkpoints/v1')).toBe(v1.oid);
    // nothing new: the branch is up to date, the checkpoint too
    expect((await a.ws.sync({ pushCheckpoints: true })).checkpoints?.upToDate).toEqual(['refs/checkpoints/v1']);
    // another machine made its own v1: immutable, so refused, and the branch stays pushed
    const b = await machine(shared);
    await b.ws.sync();
    await b.save('t1', { title: 'second' });
    await b.ws.checkpoints.delete('v1').catch(() => undefined);
    await b.ws.checkpoints.create('v1');
    const error = await b.ws.sync({ pushCheckpoints: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushRejectedError);
    expect((error as PushRejectedError).data.refs).toEqual([{ ref: 'refs/checkpoints/v1', reason: 'already exists' }]);
    expect(rev(shared, 'main')).toBe(b.ws.head);
    expect(rev(shared, 'refs/checkpoints/v1')).toBe(v1.oid);
    for (const path of [a.path, b.path, shared]) expectFsckClean(path);
  }, 60_000);
});

describe('a concurrent writer during the merge itself', () => {
  it('the branch moved by the git CLI between the merge and its commit: the merge is made again on the new head, staged changes re-applied', async () => {
    const shared = bareRepo();
    const [a, b] = await pair(shared);
    await b.save('t1', { title: 'from b' });
    await b.ws.sync();
    await a.save('t1', { title: 'from a' });
    await a.save('t9', { title: 'staged' }, false);
    let cli: string | undefined;
    const result = await a.ws.sync({
      onConflict: () => {
        // called inside the merge, before its commit: another writer commits to main first
        if (!cli) {
          const old = rev(a.path, 'main');
          cli = git(a.path, 'commit-tree', `${old}^{tree}`, '-p', old, '-m', 'by the git CLI').trim();
          git(a.path, 'update-ref', 'refs/heads/main', cli, old);
        }
        return 'ours';
      },
    });
    expect(result.merge?.status).toBe('merged');
    expect(git(a.path, 'rev-list', '--parents', '-n', '1', 'main').trim().split(' ')).toEqual([result.merge!.commit, cli, b.ws.head]);
    expect(result.staged).toBe('reapplied');
    expect(a.ws.head).toBe(result.merge!.commit);
    expect((await a.ws.diff()).map((c) => c.id)).toEqual(['t9']);
    expect(rev(shared, 'main')).toBe(a.ws.head);
    expect(await a.get('t1')).toMatchObject({ title: 'from a' });
    for (const path of [a.path, shared]) expectFsckClean(path);
  }, 60_000);
});

describe('syncLive', () => {
  it('events on trigger, an interval and pushOnCommit (debounced); stop() leaves no timer', async () => {
    const shared = bareRepo();
    const a = await machine(shared);
    const b = await machine(shared);
    await a.save('t1', { title: 'one' });
    await a.ws.sync();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const live = b.ws.syncLive({ interval: 60_000, pushOnCommit: { debounceMs: 50 } });
    const seen: string[] = [];
    for (const type of ['start', 'fetched', 'merged', 'pushed', 'conflict', 'offline', 'online', 'error', 'complete'] as const) {
      live.addEventListener(type, () => seen.push(type));
    }
    await next(live, 'complete'); // the first round, at once
    expect(seen).toEqual(['start', 'fetched', 'merged', 'complete']);
    expect(b.ws.head).toBe(a.ws.head);
    expect(live.timerPending).toBe(true);

    // the interval: A's new commit arrives
    await a.save('t2', { title: 'from a' });
    await a.ws.sync();
    seen.length = 0;
    const merged = next(live, 'merged');
    let completed = next(live, 'complete');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(((await merged).detail as { status: string }).status).toBe('fast-forward');
    await completed;
    expect(b.ws.head).toBe(a.ws.head);

    // two commits in a burst: one push after the debounce
    seen.length = 0;
    await b.save('t3', { title: 'from b' });
    await b.save('t3', { status: 'done' });
    expect(seen).toEqual([]);
    const pushed = next(live, 'pushed');
    completed = next(live, 'complete');
    await vi.advanceTimersByTimeAsync(50);
    expect(((await pushed).detail as { updated: { new: string }[] }).updated[0].new).toBe(b.ws.head);
    await completed;
    expect(seen).toEqual(['start', 'fetched', 'pushed', 'complete']);
    expect(rev(shared, 'main')).toBe(b.ws.head);

    // trigger(): one round, awaited
    seen.length = 0;
    await live.trigger();
    expect(seen).toEqual(['start', 'fetched', 'complete']);

    await live.stop();
    expect(live.state).toBe('stopped');
    expect(live.timerPending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await b.save('t3', { title: 'after stop' });
    expect(vi.getTimerCount()).toBe(0);
    await live.trigger();
    expect(seen).toEqual(['start', 'fetched', 'complete']);
    expectFsckClean(shared);
  }, 60_000);

  it('offline: exponential backoff up to maxBackoffMs, then online and pushed; stop() clears the retry timer', async () => {
    const { url, bare } = await served();
    const a = await machine(url);
    await a.save('t1', { title: 'one' });
    const http = counting();
    http.down = true;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const live = a.ws.syncLive({ http, retry: { backoffMs: 1000, maxBackoffMs: 4000 } });
    const delays: (number | undefined)[] = [];
    live.addEventListener('offline', (e) => delays.push((e as SyncEvent<{ retryInMs?: number; error: unknown }>).detail.retryInMs));
    await next(live, 'offline');
    for (const ms of [1000, 2000, 4000]) {
      const offline = next(live, 'offline');
      await vi.advanceTimersByTimeAsync(ms);
      expect((await offline).detail).toMatchObject({ error: expect.any(RemoteUnreachableError) });
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000]);
    expect(live.timerPending).toBe(true);
    expect(git(bare, 'for-each-ref')).toBe('');

    http.down = false;
    const online = next(live, 'online');
    const pushed = next(live, 'pushed');
    const completed = next(live, 'complete');
    await vi.advanceTimersByTimeAsync(4000);
    await online;
    await pushed;
    await completed;
    expect(rev(bare, 'main')).toBe(a.ws.head);
    expect(live.timerPending).toBe(false); // no interval: it waits for trigger() or a commit

    http.down = true;
    await live.trigger();
    expect(live.timerPending).toBe(true);
    await live.stop();
    expect(vi.getTimerCount()).toBe(0);
    expectFsckClean(bare);
  }, 60_000);

  it("a conflict pauses it (onConflict 'stop') until resume()", async () => {
    const shared = bareRepo();
    const [a, b] = await pair(shared);
    await a.save('t1', { title: 'from a' });
    await a.ws.sync();
    await b.save('t1', { title: 'from b' });
    const live = b.ws.syncLive({ interval: 60_000 });
    const conflict = await next(live, 'conflict');
    expect(conflict.detail).toBeInstanceOf(MergeConflictError);
    expect(live.state).toBe('paused');
    expect(live.timerPending).toBe(false);
    await live.trigger(); // paused: nothing runs
    await b.ws.merge('origin/main');
    await b.ws.resolveAll('theirs');
    await b.ws.commit();
    const pushed = next(live, 'pushed');
    await live.resume();
    await pushed;
    expect(rev(shared, 'main')).toBe(b.ws.head);
    await live.stop();
    expect(live.timerPending).toBe(false);
    await a.ws.sync();
    expect(await a.get('t1')).toMatchObject({ title: 'from a' });
    expectFsckClean(shared);
  }, 60_000);
});

