// Remotes, fetch and push (lib/workspace/remotes.ts) end to end, judged with the git CLI on both
// ends: remotes in git's config (`git remote -v`), fetch and push against the real
// `git http-backend` (test/git-server.ts, its own process) and against local bare repositories.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Field,
  MemoryBackend,
  Model,
  InvalidRemoteError,
  PushRejectedError,
  RemoteNotFoundError,
  RemoteProtocolError,
  RemoteUnreachableError,
  Workspace,
} from '../lib/index.js';
import { nodeHttpClient } from '../lib/git/remote/node-http.js';
import { losingReceivePackReports, serverPerTest } from './git-server.js';
import { expectFsckClean, git, tempDir } from './helpers.js';

class Note extends Model<Note> {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const serve = serverPerTest();

async function workspace(path: string): Promise<Workspace> {
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Note);
  return ws;
}

/** root/server.git: a bare repository made by the git CLI from root/work, with notes on main and a branch `other`. */
function serverRepo(notes = 5): { root: string; bare: string; work: string } {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main', 'work');
  const work = join(root, 'work');
  for (let i = 0; i < notes; i++) {
    writeFileSync(join(work, `n${i}.json`), `{\n  "id": "n${i}",\n  "text": "note ${i}"\n}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `note ${i}`);
  }
  git(work, 'branch', 'other', 'HEAD~1');
  git(root, 'clone', '-q', '--bare', 'work', 'server.git');
  return { root, bare: join(root, 'server.git'), work };
}

function tracking(path: string): Map<string, string> {
  const out = git(path, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/remotes/').trim();
  return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

describe('remotes in config', () => {
  it('add, list, setUrl, remove: git remote -v sees them; other sections and comments are kept', async () => {
    const path = join(tempDir(), 'data.git');
    const ws = await workspace(path);
    const config = join(path, 'config');
    writeFileSync(config, readFileSync(config, 'utf8') + '# a comment of the user\n[custom "x"]\n\tkeep = yes\n');
    await ws.remotes.add('origin', 'https://example.com/data.git');
    await ws.remotes.add('backup', '/srv/backup.git', { fetch: ['+refs/heads/main:refs/remotes/backup/main'] });
    expect(git(path, 'remote', '-v')).toBe(
      'backup\t/srv/backup.git (fetch)\nbackup\t/srv/backup.git (push)\norigin\thttps://example.com/data.git (fetch)\norigin\thttps://example.com/data.git (push)\n',
    );
    expect(git(path, 'config', '--get-all', 'remote.origin.fetch')).toBe('+refs/heads/*:refs/remotes/origin/*\n');
    expect((await ws.remotes.list()).map((r) => [r.name, r.url, r.fetch])).toEqual([
      ['origin', 'https://example.com/data.git', ['+refs/heads/*:refs/remotes/origin/*']],
      ['backup', '/srv/backup.git', ['+refs/heads/main:refs/remotes/backup/main']],
    ]);
    const before = git(path, 'config', '--list', '--local');
    const exists = await ws.remotes.add('origin', 'https://x/y.git').catch((e) => e);
    expect([exists.constructor, exists.code, exists.data]).toEqual([InvalidRemoteError, 'INVALID_REMOTE', { remote: 'origin', reason: 'exists' }]);
    expect(exists.message).toMatch(/already exists/);
    const creds = await ws.remotes.add('creds', 'https://ada:secret@example.com/d.git').catch((e) => e);
    expect([creds.constructor, creds.data.reason]).toEqual([InvalidRemoteError, 'credentials']);
    expect(creds.message).toMatch(/password/);
    // the password is in neither the message nor the data (errors get logged)
    expect(JSON.stringify([creds.message, creds.data])).not.toContain('secret');
    for (const url of ['', 'https://x/\ny.git']) expect((await ws.remotes.add('blank', url).catch((e) => e)).data).toEqual({ url, reason: 'url' });
    expect(git(path, 'config', '--list', '--local')).toBe(before);
    await ws.remotes.setUrl('origin', 'https://example.org/moved.git');
    expect(git(path, 'config', 'remote.origin.url')).toBe('https://example.org/moved.git\n');
    await new Note({ name: 'x' }).save({ commit: true });
    git(path, 'update-ref', 'refs/remotes/backup/main', ws.head!);
    await ws.remotes.remove('backup');
    expect(git(path, 'remote')).toBe('origin\n');
    expect(tracking(path).size).toBe(0);
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('# a comment of the user\n[custom "x"]\n\tkeep = yes\n');
    expect(git(path, 'config', 'custom.x.keep')).toBe('yes\n');
    await expect(ws.remotes.remove('nope')).rejects.toBeInstanceOf(RemoteNotFoundError);
  }, 30_000);

  it('works on the in-memory backend too', async () => {
    const ws = await Workspace.open(new MemoryBackend(), { author: AUTHOR });
    await ws.remotes.add('origin', 'https://example.com/a.git');
    expect((await ws.remotes.list())[0]).toMatchObject({ name: 'origin', url: 'https://example.com/a.git' });
    await ws.remotes.remove('origin');
    expect(await ws.remotes.list()).toEqual([]);
  });
});

describe('fetch', () => {
  it('over smart HTTP: remote-tracking refs equal the server refs, objects readable, git fsck clean; a second fetch is empty', async () => {
    const { root, bare } = serverRepo();
    const server = await serve(root);
    const path = join(tempDir(), 'data.git');
    const ws = await workspace(path);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const result = await ws.fetch();
    expect(result.remote).toBe('origin');
    expect(result.objects).toBeGreaterThan(10);
    expect(result.bytes).toBeGreaterThan(0);
    const main = git(bare, 'rev-parse', 'refs/heads/main').trim();
    const other = git(bare, 'rev-parse', 'refs/heads/other').trim();
    expect(tracking(path)).toEqual(new Map([['refs/remotes/origin/main', main], ['refs/remotes/origin/other', other]]));
    expect(result.updated).toEqual(expect.arrayContaining([{ ref: 'refs/remotes/origin/main', old: null, new: main }]));
    expectFsckClean(path);
    expect(git(path, 'show', 'origin/main:n4.json')).toContain('note 4');
    const again = await ws.fetch();
    expect(again.updated).toEqual([]);
    expect(again.objects).toBe(0);
    // the server moves: only the new objects come
    git(join(root, 'work'), 'commit', '-q', '--allow-empty', '-m', 'more');
    git(join(root, 'work'), 'push', '-q', bare, 'main');
    const third = await ws.fetch();
    expect(third.updated).toEqual([{ ref: 'refs/remotes/origin/main', old: main, new: git(bare, 'rev-parse', 'main').trim() }]);
    expect(third.objects).toBeLessThan(5);
    expectFsckClean(path);
  }, 60_000);

  it('a connection cut inside the pack, or a flipped byte, leaves refs unchanged and the repository fsck-clean', async () => {
    const { root } = serverRepo(40);
    for (const fault of [{ cutAfter: 600 }, { flipAt: 700 }, { flipAt: 2500 }]) {
      const server = await serve(root, fault);
      const path = join(tempDir(), 'data.git');
      const ws = await workspace(path);
      await ws.remotes.add('origin', `${server.url}/server.git`);
      const err = await ws.fetch().then(() => undefined, (e: unknown) => e);
      expect(err, JSON.stringify(fault)).toBeDefined();
      expect(err instanceof RemoteUnreachableError || err instanceof RemoteProtocolError, String(err)).toBe(true);
      expect(tracking(path).size).toBe(0);
      expectFsckClean(path);
      expect(git(path, 'count-objects', '-v')).toMatch(/in-pack: 0/);
    }
  }, 60_000);

  it('from a local path and a file:// URL', async () => {
    const { bare } = serverRepo();
    for (const url of [bare, `file://${bare}`]) {
      const path = join(tempDir(), 'data.git');
      const ws = await workspace(path);
      await ws.remotes.add('origin', url);
      const result = await ws.fetch();
      expect(result.objects).toBeGreaterThan(10);
      expect(tracking(path).get('refs/remotes/origin/main')).toBe(git(bare, 'rev-parse', 'main').trim());
      expectFsckClean(path);
      expect((await ws.fetch()).objects).toBe(0);
    }
  }, 30_000);

  it('an unknown remote is RemoteNotFoundError', async () => {
    const ws = await workspace(join(tempDir(), 'data.git'));
    await expect(ws.fetch()).rejects.toBeInstanceOf(RemoteNotFoundError);
  });
});

describe('push', () => {
  it('over smart HTTP: git log on the server, fsck, a git clone reads the data file; remote-tracking ref moved', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    const bare = join(root, 'server.git');
    const server = await serve(root);
    const path = join(tempDir(), 'data.git');
    const ws = await workspace(path);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    await new Note({ name: 'a', text: 'first' }).save({ commit: true });
    const first = await ws.push();
    expect(first.updated).toEqual([{ ref: 'refs/heads/main', old: null, new: ws.head }]);
    await new Note({ name: 'b', text: 'second' }).save({ commit: true });
    const second = await ws.push();
    expect(second.updated[0].new).toBe(ws.head);
    expect(git(bare, 'log', '--format=%H', 'main').trim().split('\n')[0]).toBe(ws.head);
    expectFsckClean(bare);
    expect(tracking(path).get('refs/remotes/origin/main')).toBe(ws.head);
    expect((await ws.push()).upToDate).toEqual(['refs/heads/main']);
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', `${server.url}/server.git`, clone);
    const files = git(clone, 'ls-files').trim().split('\n');
    const b = files.find((f) => f.startsWith('note/b/'));
    expect(b, files.join(',')).toBeDefined();
    expect(JSON.parse(readFileSync(join(clone, b!), 'utf8')).text).toBe('second');
  }, 60_000);

  it('rejected when the server moved (another clone pushed first); force pushes over it', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    const bare = join(root, 'server.git');
    const server = await serve(root);
    const ws = await workspace(join(tempDir(), 'data.git'));
    await ws.remotes.add('origin', `${server.url}/server.git`);
    await new Note({ name: 'a', text: 'first' }).save({ commit: true });
    await ws.push();
    // another clone pushes first
    const other = join(tempDir(), 'other');
    git(tempDir(), 'clone', '-q', `${server.url}/server.git`, other);
    git(other, 'commit', '-q', '--allow-empty', '-m', 'theirs');
    git(other, 'push', '-q', 'origin', 'main');
    const theirs = git(bare, 'rev-parse', 'main').trim();
    await new Note({ name: 'b', text: 'mine' }).save({ commit: true });
    const err = await ws.push().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect((err as PushRejectedError).data.refs[0].ref).toBe('refs/heads/main');
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(theirs);
    // with-lease: our remote-tracking value is stale, refused too
    await expect(ws.push({ force: 'with-lease' })).rejects.toBeInstanceOf(PushRejectedError);
    await ws.push({ force: true });
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(ws.head);
    expectFsckClean(bare);
  }, 60_000);

  it('to a local bare repository by path; fetched back by another workspace', async () => {
    const dir = tempDir();
    const bare = join(dir, 'backup.git');
    git(dir, 'init', '-q', '--bare', '-b', 'main', 'backup.git');
    const ws = await workspace(join(tempDir(), 'data.git'));
    await ws.remotes.add('backup', bare);
    for (const id of ['a', 'b', 'c']) await new Note({ name: id, text: id }).save({ commit: true });
    const pushed = await ws.push({ remote: 'backup' });
    expect(pushed.updated).toEqual([{ ref: 'refs/heads/main', old: null, new: ws.head }]);
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(ws.head);
    expectFsckClean(bare);
    await new Note({ name: 'd', text: 'd' }).save({ commit: true });
    await ws.push({ remote: 'backup' });
    expect(git(bare, 'log', '--oneline', 'main').trim().split('\n')).toHaveLength(4);
    expectFsckClean(bare);
    // diverged: refused locally
    git(dir, '--git-dir', bare, 'update-ref', 'refs/heads/main', git(bare, 'rev-parse', 'main~1').trim());
    await ws.push({ remote: 'backup' }); // a fast-forward again
    await new Note({ name: 'e', text: 'e' }).save({ commit: true });
    const reader = await workspace(join(tempDir(), 'reader.git'));
    await reader.remotes.add('backup', bare);
    await reader.fetch({ remote: 'backup' });
    expect((await reader.fetch({ remote: 'backup' })).objects).toBe(0);
  }, 60_000);
});

describe('on the in-memory backend', () => {
  it('fetches over HTTP (objects parsed and stored) and pushes to a local bare repository', async () => {
    const { root, bare } = serverRepo();
    const server = await serve(root);
    const ws = await Workspace.open(new MemoryBackend(), { author: AUTHOR });
    ws.register(Note);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const fetched = await ws.fetch();
    expect(fetched.updated.map((u) => [u.ref, u.new])).toEqual(
      expect.arrayContaining([['refs/remotes/origin/main', git(bare, 'rev-parse', 'main').trim()]]),
    );
    await new Note({ name: 'm', text: 'from memory' }).save({ commit: true });
    const dir = tempDir();
    git(dir, 'init', '-q', '--bare', '-b', 'main', 'dest.git');
    await ws.remotes.add('dest', join(dir, 'dest.git'));
    await ws.push({ remote: 'dest' });
    expect(git(join(dir, 'dest.git'), 'rev-parse', 'main').trim()).toBe(ws.head);
    expectFsckClean(join(dir, 'dest.git'));
  }, 30_000);
});

describe('edge cases', () => {
  it('a push whose report was lost after the server moved its ref is up to date on the next push', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    const ws = await workspace(join(tempDir(), 'data.git'));
    const server = await serve(root);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    await new Note({ name: 'a', text: 'a' }).save({ commit: true });
    // the report's connection breaks after a few bytes: receive-pack has run, the answer is lost
    const inner = nodeHttpClient();
    const lossy = losingReceivePackReports(inner);
    try {
      await expect(ws.push({ http: lossy })).rejects.toBeInstanceOf(RemoteUnreachableError);
    } finally {
      inner.close();
    }
    expect(git(join(root, 'server.git'), 'rev-parse', 'main').trim()).toBe(ws.head);
    expect(await ws.push()).toEqual({ updated: [], upToDate: ['refs/heads/main'] });
    expectFsckClean(join(root, 'server.git'));
  }, 30_000);

  it('remote names and URLs git reads back exactly: quotes, spaces and comment characters', async () => {
    const path = join(tempDir(), 'data.git');
    const ws = await workspace(path);
    await ws.remotes.add('odd', '/srv/a dir/#1;x.git');
    expect(git(path, 'config', 'remote.odd.url')).toBe('/srv/a dir/#1;x.git\n');
    expect((await ws.remotes.get('odd')).url).toBe('/srv/a dir/#1;x.git');
    const bad = await ws.remotes.add('bad name', '/x').catch((e) => e);
    expect([bad.constructor, bad.data]).toEqual([InvalidRemoteError, { remote: 'bad name', reason: 'name' }]);
    expect(bad.message).toMatch(/not a valid remote name/);
  });

  it('a local push does not move a branch checked out in a working tree (git refuses it too)', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q', '-b', 'main', 'checkout');
    const target = join(dir, 'checkout');
    git(target, 'commit', '-q', '--allow-empty', '-m', 'theirs');
    const before = git(target, 'rev-parse', 'main').trim();
    const ws = await workspace(join(tempDir(), 'data.git'));
    await ws.remotes.add('co', target);
    await new Note({ name: 'a' }).save({ commit: true });
    const err = await ws.push({ remote: 'co', force: true }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect(git(target, 'rev-parse', 'main').trim()).toBe(before);
  });
});
