// Checkpoints pushed and fetched, per-machine streams, mirror backup and restore (lib/workspace/
// checkpoints.ts, streams.ts, mirror.ts; docs/SYNC.md "Namespaces"), against the real
// `git http-backend` (test/git-server.ts) and local bare repositories, judged by the git CLI on
// both ends (fsck --strict, for-each-ref, show-ref).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Field, Model, PushRejectedError, Workspace } from '../lib/index.js';
import { startGitServer, type GitServer } from './git-server.js';
import { expectFsckClean, git, tempDir } from './helpers.js';

class Note extends Model<Note> {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
  @Field() stars: number = 0;
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const servers: GitServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
});

async function serve(root: string, options: Parameters<typeof startGitServer>[1] = {}): Promise<GitServer> {
  const server = await startGitServer(root, options);
  servers.push(server);
  return server;
}

async function workspace(path: string): Promise<Workspace> {
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Note);
  return ws;
}

/** Changes a note's text (staged). */
async function edit(name: string, text: string): Promise<void> {
  const note = await Note.get(name);
  note.text = text;
  await note.save();
}

/** root/<name>: an empty bare repository made by the git CLI. */
function bareRepo(root: string, name = 'server.git'): string {
  git(root, 'init', '-q', '--bare', '-b', 'main', name);
  return join(root, name);
}

/** `git for-each-ref` as a map ref → oid (objectname: a tag's own oid for an annotated tag). */
function refsOf(gitdir: string, prefix = ''): Map<string, string> {
  const out = git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)', ...(prefix ? [prefix] : [])).trim();
  return new Map(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

describe('checkpoints on a remote', () => {
  it('push to the same names, fetch to refs/gitmodel/remotes/<remote>/checkpoints/, read and restore from there; never confused with a branch checkpoints/x', async () => {
    const root = tempDir();
    const bare = bareRepo(root);
    const server = await serve(root);
    const url = `${server.url}/server.git`;

    const a = await workspace(join(root, 'a.git'));
    await a.remotes.add('origin', url, { checkpoints: true });
    await new Note({ name: 'n1', text: 'first' }).save({ commit: true });
    const cp1 = await a.checkpoints.create('cp1');
    await edit('n1', 'second');
    const cp2 = await a.checkpoints.create('cp2');
    const pushed = await a.checkpoints.push();
    expect(pushed.updated.map((u) => u.ref).sort()).toEqual(['refs/checkpoints/cp1', 'refs/checkpoints/cp2']);
    expect(refsOf(bare, 'refs/checkpoints/')).toEqual(new Map([['refs/checkpoints/cp1', cp1.oid], ['refs/checkpoints/cp2', cp2.oid]]));
    expectFsckClean(bare);
    // and the branch, then a branch named like the checkpoint's tracking ref of the old design
    await a.push();
    await a.branches.create('checkpoints/cp1', { from: 'HEAD' });
    await a.push({ refs: ['refs/heads/checkpoints/cp1'] });

    const bPath = join(root, 'b.git');
    const b = await workspace(bPath);
    await b.remotes.add('origin', url, { checkpoints: true });
    expect(git(bPath, 'config', '--get-all', 'remote.origin.fetch')).toBe(
      '+refs/heads/*:refs/remotes/origin/*\n+refs/checkpoints/*:refs/gitmodel/remotes/origin/checkpoints/*\n',
    );
    expect(git(bPath, 'config', '--get-all', 'remote.origin.push')).toBe('HEAD\nrefs/checkpoints/*:refs/checkpoints/*\n');
    await b.fetch(); // the remote's refspecs: branches and checkpoints
    const main = git(bare, 'rev-parse', 'main').trim();
    expect(refsOf(bPath)).toEqual(
      new Map([
        ['refs/gitmodel/remotes/origin/checkpoints/cp1', cp1.oid],
        ['refs/gitmodel/remotes/origin/checkpoints/cp2', cp2.oid],
        ['refs/remotes/origin/checkpoints/cp1', main],
        ['refs/remotes/origin/main', main],
      ]),
    );
    expect((await b.checkpoints.list({ remote: 'origin' })).map((c) => [c.name, c.oid])).toEqual([
      ['cp1', cp1.oid],
      ['cp2', cp2.oid],
    ]);
    expect(await b.checkpoints.list()).toEqual([]);
    // `origin/checkpoints/cp2`: no branch of that name, so the fetched checkpoint
    expect((await Note.get('n1', { at: 'origin/checkpoints/cp2' })).text).toBe('second');
    expect((await Note.get('n1', { at: 'refs/gitmodel/remotes/origin/checkpoints/cp1' })).text).toBe('first');
    await b.restore({ from: 'origin/checkpoints/cp2' });
    expect((await Note.get('n1')).text).toBe('second');
    await b.commit({ message: 'restored' });
    expectFsckClean(bPath);

    // the git CLI with the same config fetches the same refs
    const cli = join(root, 'cli');
    git(root, 'init', '-q', cli);
    git(cli, 'remote', 'add', 'origin', url);
    git(cli, 'config', '--add', 'remote.origin.fetch', '+refs/checkpoints/*:refs/gitmodel/remotes/origin/checkpoints/*');
    git(cli, 'fetch', '-q', 'origin');
    expect(refsOf(cli)).toEqual(new Map([...refsOf(bPath)].filter(([r]) => r !== 'refs/heads/main')));
  }, 60_000);

  it('a checkpoint is immutable: another commit under a pushed name is refused (already exists) unless force; git push by hand pushes branch and checkpoints', async () => {
    const root = tempDir();
    const bare = bareRepo(root);
    const server = await serve(root);
    const aPath = join(root, 'a.git');
    const a = await workspace(aPath);
    await a.remotes.add('origin', `${server.url}/server.git`, { checkpoints: true });
    await new Note({ name: 'n1', text: 'one' }).save({ commit: true });
    const first = await a.checkpoints.create('x');
    await a.checkpoints.push({ names: ['x'] });
    await a.checkpoints.delete('x');
    await edit('n1', 'two');
    const second = await a.checkpoints.create('x');
    const err = await a.checkpoints.push({ names: ['x'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect((err as PushRejectedError).data.refs).toEqual([{ ref: 'refs/checkpoints/x', reason: 'already exists' }]);
    expect(git(bare, 'rev-parse', 'refs/checkpoints/x').trim()).toBe(first.oid);
    // pushing the same again is up to date, not a rejection
    await a.checkpoints.delete('x');
    git(aPath, 'update-ref', 'refs/checkpoints/x', first.oid);
    expect(await a.checkpoints.push()).toMatchObject({ updated: [], upToDate: ['refs/checkpoints/x'] });
    git(aPath, 'update-ref', 'refs/checkpoints/x', second.oid);
    const forced = await a.checkpoints.push({ force: true });
    expect(forced.updated).toEqual([{ ref: 'refs/checkpoints/x', old: first.oid, new: second.oid }]);
    expect(git(bare, 'rev-parse', 'refs/checkpoints/x').trim()).toBe(second.oid);
    expect(git(aPath, 'rev-parse', 'refs/gitmodel/remotes/origin/checkpoints/x').trim()).toBe(second.oid);

    // `git push` by hand, with the config remotes.add wrote: the branch (push = HEAD) and new checkpoints
    await a.commit({ message: 'two' });
    const y = await a.checkpoints.create('y');
    git(aPath, 'push', '-q', 'origin');
    expect(refsOf(bare)).toEqual(new Map([['refs/checkpoints/x', second.oid], ['refs/checkpoints/y', y.oid], ['refs/heads/main', a.head!]]));
    // ws.push() with the same config does the same
    await new Note({ name: 'n2' }).save({ commit: true });
    const z = await a.checkpoints.create('z');
    const p = await a.push();
    expect(p.updated.map((u) => u.ref).sort()).toEqual(['refs/checkpoints/z', 'refs/heads/main']);
    expect(git(bare, 'rev-parse', 'refs/checkpoints/z', 'main').trim().split('\n')).toEqual([z.oid, a.head]);
    expectFsckClean(bare);
    expectFsckClean(aPath);
  }, 60_000);
});
