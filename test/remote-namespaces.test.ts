// Checkpoints pushed and fetched, per-machine streams, mirror backup and restore (lib/workspace/
// checkpoints.ts, streams.ts, mirror.ts; docs/SYNC.md "Namespaces"), against the real
// `git http-backend` (test/git-server.ts) and local bare repositories, judged by the git CLI on
// both ends (fsck --strict, for-each-ref, show-ref).
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Field,
  InvalidRefNameError,
  Model,
  PushRejectedError,
  RefLockedError,
  RefNotFoundError,
  RemoteNotFoundError,
  RemoteUnreachableError,
  StagedChangesError,
  Workspace,
} from '../lib/index.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { nodeHttpClient } from '../lib/git/remote/node-http.js';
import { FLUSH_PKT, pktLine } from '../lib/git/remote/pkt-line.js';
import { makeMachineName } from '../lib/workspace/streams.js';
import { serverPerTest, type GitServer } from './git-server.js';
import { expectFsckClean, git, tempDir } from './helpers.js';

/** A note with two fields two machines can edit apart. */
class Note extends Model<Note> {
  @Field({ id: true }) name!: string;
  @Field() stars: number = 0;
  @Field() text: string = '';
}

const serve = serverPerTest();

/** A workspace at `path` (created), Note bound to it. */
const workspace = async (path: string): Promise<Workspace> => (await Workspace.open(path, { author: { name: 'Ada', email: 'ada@example.com' } })).register(Note);

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
    // one deleted on the remote goes with prune, from the checkpoints' folder only
    git(bare, 'update-ref', '-d', 'refs/checkpoints/cp1');
    expect((await b.checkpoints.fetch({ prune: true })).pruned).toEqual(['refs/gitmodel/remotes/origin/checkpoints/cp1']);
    git(bare, 'update-ref', 'refs/checkpoints/cp1', cp1.oid);
    await b.checkpoints.fetch();
    expect(git(bPath, 'rev-parse', 'refs/remotes/origin/checkpoints/cp1').trim()).toBe(main);
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

describe('streams', () => {
  it('gitmodel.machine: made once from the host name and 4 hex digits, a valid ref component; a configured one is kept', async () => {
    expect(makeMachineName("Ada's MacBook Pro.local", '3f9c')).toBe('ada-s-macbook-pro-3f9c');
    expect(makeMachineName(undefined, '0a0b')).toBe('machine-0a0b');
    expect(makeMachineName('..//..', '0a0b')).toBe('machine-0a0b');
    const path = join(tempDir(), 'a.git');
    const ws = await workspace(path);
    git(path, 'config', 'gitmodel.other', 'kept');
    const name = await ws.streams.machine();
    expect(name).toMatch(/^[a-z0-9_-]+-[0-9a-f]{4}$/);
    expect(git(path, 'config', 'gitmodel.machine').trim()).toBe(name);
    expect(git(path, 'config', 'gitmodel.other').trim()).toBe('kept');
    git(path, 'check-ref-format', `refs/gitmodel/streams/${name}/main`);
    expect(await ws.streams.machine()).toBe(name);
    git(path, 'config', 'gitmodel.machine', 'a/b');
    await expect(ws.streams.machine()).rejects.toBeInstanceOf(InvalidRefNameError);
  });

  it('two machines publish through one server, each merges the other stream (a two-parent merge, then a fast-forward): they converge', async () => {
    const root = tempDir();
    const bare = bareRepo(root);
    const server = await serve(root);
    const url = `${server.url}/server.git`;
    const aPath = join(root, 'a.git');
    const bPath = join(root, 'b.git');
    const a = await workspace(aPath);
    const b = await workspace(bPath);
    git(bPath, 'config', 'gitmodel.machine', 'bob-0001');
    const ma = await a.streams.machine();
    await a.remotes.add('origin', url);
    await b.remotes.add('origin', url);
    await expect(b.streams.publish()).rejects.toBeInstanceOf(RefNotFoundError);

    a.register(Note);
    await new Note({ name: 'n1', text: 'base' }).save({ commit: true });
    const base = a.head!;
    await a.streams.publish();
    expect(refsOf(bare)).toEqual(new Map([[`refs/gitmodel/streams/${ma}/main`, base]]));
    await b.streams.fetch();
    const first = await b.streams.merge(); // b's branch is unborn: a fast-forward
    expect(first.merged.map((m) => [m.machine, m.result.status])).toEqual([[ma, 'fast-forward']]);
    expect(b.head).toBe(base);

    b.register(Note); // Note reads and writes in the workspace registered last
    expect((await Note.get('n1')).text).toBe('base');
    const nb = await Note.get('n1');
    nb.stars = 5;
    await nb.save({ commit: true });
    await b.streams.publish();
    a.register(Note);
    const na = await Note.get('n1');
    na.text = 'edited on a';
    await na.save({ commit: true });
    await a.streams.publish();

    await a.streams.fetch();
    const listed = await a.streams.list();
    expect(listed.map((s) => [s.machine, s.branch, s.ahead, s.behind])).toEqual([
      [ma, 'main', 0, 0],
      ['bob-0001', 'main', 1, 1],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    expect(listed.find((s) => s.machine === 'bob-0001')!.ref).toBe('refs/gitmodel/remotes/origin/streams/bob-0001/main');
    const merged = await a.streams.merge();
    expect(merged.merged.map((m) => [m.machine, m.result.status])).toEqual([['bob-0001', 'merged']]);
    const m = a.head!;
    expect(git(aPath, 'rev-list', '--parents', '-1', m).trim().split(' ')).toHaveLength(3);
    expect(git(aPath, 'log', '-1', '--format=%s', m).trim()).toBe("Merge stream 'bob-0001/main'");
    await a.streams.publish();

    await b.streams.fetch();
    b.register(Note);
    expect((await b.streams.merge()).merged.map((x) => x.result.status)).toEqual(['fast-forward']);
    expect(b.head).toBe(m);
    await b.streams.publish();
    const onB = await Note.get('n1');
    expect([onB.text, onB.stars]).toEqual(['edited on a', 5]);
    expect(refsOf(bare)).toEqual(new Map([[`refs/gitmodel/streams/${ma}/main`, m], ['refs/gitmodel/streams/bob-0001/main', m]]));
    // a second round changes nothing
    await a.streams.fetch();
    expect((await a.streams.merge()).merged.map((x) => x.result.status)).toEqual(['up-to-date']);
    for (const p of [bare, aPath, bPath]) expectFsckClean(p);

    // another repository claiming a's machine name is refused by the lease (it never fetched a's stream)
    const cPath = join(root, 'c.git');
    const c = await workspace(cPath);
    git(cPath, 'config', 'gitmodel.machine', ma);
    await c.remotes.add('origin', url);
    await new Note({ name: 'other' }).save({ commit: true });
    const err = await c.streams.publish().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect((err as PushRejectedError).data.refs).toEqual([{ ref: `refs/gitmodel/streams/${ma}/main`, reason: 'stale info' }]);
    expect(git(bare, 'rev-parse', `refs/gitmodel/streams/${ma}/main`).trim()).toBe(m);
  }, 90_000);

  it('squash: one commit over the head before, with every stream merged; a conflict undoes the merges made', async () => {
    const root = tempDir();
    bareRepo(root);
    const remote = join(root, 'server.git');
    const paths = ['a', 'b', 'c'].map((n) => join(root, `${n}.git`));
    const [a, b, c] = await Promise.all(paths.map((p) => workspace(p)));
    for (const [i, p] of paths.entries()) git(p, 'config', 'gitmodel.machine', `m${i}`);
    for (const ws of [a, b, c]) await ws.remotes.add('origin', remote);
    a.register(Note);
    await new Note({ name: 'n1', text: 'base' }).save({ commit: true });
    await new Note({ name: 'n2', text: 'base' }).save({ commit: true });
    await a.streams.publish();
    for (const ws of [b, c]) {
      await ws.streams.fetch();
      await ws.streams.merge();
    }
    const base = a.head!;
    b.register(Note);
    await edit('n1', 'b');
    await b.commit({ message: 'b' });
    await b.streams.publish();
    c.register(Note);
    await edit('n2', 'c');
    await c.commit({ message: 'c' });
    await c.streams.publish();
    a.register(Note);
    const n1 = await Note.get('n1');
    n1.stars = 1;
    await n1.save({ commit: true });
    const before = a.head!;
    await a.streams.fetch();
    const squashed = await a.streams.merge({ squash: true });
    expect(squashed.merged.map((m) => [m.machine, m.result.status])).toEqual([['m1', 'merged'], ['m2', 'merged']]);
    expect(squashed.commit).toBe(a.head);
    expect(git(paths[0], 'rev-list', '--parents', '-1', a.head!).trim()).toBe(`${a.head} ${before}`);
    expect(git(paths[0], 'log', '-1', '--format=%s').trim()).toBe('Squash streams of m1, m2');
    expect([(await Note.get('n1')).text, (await Note.get('n1')).stars, (await Note.get('n2')).text]).toEqual(['b', 1, 'c']);
    expectFsckClean(paths[0]);
    expect(base).not.toBe(before);

    // a conflict (both edit n2's text) in a squash: nothing is left merged, the branch is back
    await edit('n2', 'a');
    await a.commit({ message: 'a' });
    const head = a.head;
    const err = await a.streams.merge({ squash: true });
    expect(err.conflicts?.machine).toBe('m2');
    expect(a.head).toBe(head);
    expect(a.merging).toBeNull();
    expect(git(paths[0], 'rev-parse', 'main').trim()).toBe(head);
    expectFsckClean(paths[0]);

    // without squash the merges stop at the conflicting stream, the workspace merging it
    const stop = await a.streams.merge();
    expect(stop.merged.map((m) => [m.machine, m.result.status])).toEqual([['m1', 'merged'], ['m2', 'conflicts']]);
    expect(stop.conflicts?.machine).toBe('m2');
    expect(a.merging?.conflicts.map((c) => c.kind)).toEqual(['field']);
    await a.resolveAll('theirs');
    await a.commit();
    expect((await Note.get('n2')).text).toBe('c');
    expect(git(paths[0], 'rev-list', '--parents', '-1', 'main').trim().split(' ')).toHaveLength(3);
    expectFsckClean(paths[0]);
  }, 90_000);
});

/** A workspace with every kind of ref: branches, a light and an annotated tag, checkpoints, a redo ref, and remote-tracking refs a mirror leaves out. */
async function richRepo(path: string): Promise<Workspace> {
  const ws = await workspace(path);
  ws.register(Note);
  await new Note({ name: 'n1', text: 'one' }).save({ commit: true });
  await ws.branches.create('feature', { from: 'HEAD' });
  await new Note({ name: 'n2', text: 'two' }).save({ commit: true });
  await ws.tags.create('v1');
  git(path, 'tag', '-a', 'v2', '-m', 'annotated', 'main');
  await ws.checkpoints.create('cp');
  await new Note({ name: 'n3' }).save({ commit: true });
  await ws.undo(); // refs/gitmodel/redo/main
  git(path, 'update-ref', 'refs/remotes/elsewhere/main', 'main');
  git(path, 'update-ref', 'refs/gitmodel/remotes/elsewhere/checkpoints/cp', 'main');
  return ws;
}

/** The refs a mirror copies: all but refs/remotes/, refs/gitmodel/remotes/, refs/gitmodel/redo/. */
function mirrorRefs(gitdir: string): Map<string, string> {
  return new Map([...refsOf(gitdir)].filter(([r]) => !/^refs\/(remotes|gitmodel\/remotes|gitmodel\/redo)\//.test(r)));
}

/** Cuts each git-receive-pack request body after `after` bytes (ECONNRESET): the server gets a truncated push. */
function cuttingPushes(inner: HttpClient, after: number): HttpClient {
  return {
    request(req) {
      if (!req.url.endsWith('/git-receive-pack') || !req.body) return inner.request(req);
      const body = req.body;
      return inner.request({
        ...req,
        body: (async function* () {
          let sent = 0;
          for await (const chunk of body) {
            if (sent + chunk.length > after) {
              yield chunk.subarray(0, after - sent);
              throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
            }
            sent += chunk.length;
            yield chunk;
          }
        })(),
      });
    },
  };
}

/** richRepo at root/a.git, and an empty root/server.git served over HTTP at `url`. */
async function richWithServer(): Promise<{ root: string; aPath: string; a: Workspace; url: string; bare: string }> {
  const root = tempDir();
  const aPath = join(root, 'a.git');
  const a = await richRepo(aPath);
  const server = await serve(root);
  return { root, aPath, a, url: `${server.url}/server.git`, bare: bareRepo(root) };
}

describe('mirror backup and restore', () => {
  it('backup to an empty bare repository, over HTTP and to a local path: git clone --mirror sees the same refs; then only the difference is pushed', async () => {
    const root = tempDir();
    const aPath = join(root, 'a.git');
    const a = await richRepo(aPath);
    const expected = mirrorRefs(aPath);
    expect([...expected.keys()]).toEqual(['refs/checkpoints/cp', 'refs/heads/feature', 'refs/heads/main', 'refs/tags/v1', 'refs/tags/v2']);
    expect(git(aPath, 'cat-file', '-t', 'refs/tags/v2').trim()).toBe('tag');
    const server = await serve(root);
    for (const target of [`${server.url}/http.git`, join(root, 'local.git')]) {
      const bare = bareRepo(root, target.startsWith('http') ? 'http.git' : 'local.git');
      const dry = await a.remotes.backup(target, { dryRun: true });
      expect(dry.create.map((c) => c.ref)).toEqual([...expected.keys()]);
      expect([dry.update, dry.delete]).toEqual([[], []]);
      expect(refsOf(bare).size).toBe(0);
      const done = await a.remotes.backup(target);
      expect(done).toEqual(dry);
      expect(refsOf(bare)).toEqual(expected);
      expectFsckClean(bare);
      const clone = join(root, target.startsWith('http') ? 'clone-http' : 'clone-local');
      git(root, 'clone', '-q', '--mirror', target.startsWith('http') ? target : bare, clone);
      expect(mirrorRefs(clone)).toEqual(expected);
      expect(git(clone, 'cat-file', '-t', 'refs/tags/v2').trim()).toBe('tag');
      expect(git(clone, 'show', 'refs/checkpoints/cp:note/n2/data.json')).toContain('"two"');
    }
    // the local workspace moves on: an update and a delete, in one push; another ref on the remote is deleted too
    const local = join(root, 'local.git');
    git(local, 'update-ref', 'refs/heads/stray', 'refs/heads/main');
    await a.branches.delete('feature');
    await new Note({ name: 'n4' }).save({ commit: true });
    const second = await a.remotes.backup(local);
    expect(second).toEqual({
      create: [],
      update: [{ ref: 'refs/heads/main', old: expected.get('refs/heads/main'), new: a.head }],
      delete: [
        { ref: 'refs/heads/feature', old: expected.get('refs/heads/feature'), new: null },
        { ref: 'refs/heads/stray', old: expected.get('refs/heads/main'), new: null },
      ],
    });
    expect(refsOf(local)).toEqual(mirrorRefs(aPath));
    expect(await a.remotes.backup(local)).toEqual({ create: [], update: [], delete: [] });
    expectFsckClean(local);
  }, 90_000);

  it('restore into an empty repository reads the same objects; refused while changes are staged; deletes refs the backup lacks', async () => {
    const { root, aPath, a, url } = await richWithServer();
    await a.remotes.backup(url);

    // an empty repository: every ref created, the workspace's unborn branch now the backup's
    const ePath = join(root, 'e.git');
    const e = await workspace(ePath);
    const all = await e.remotes.restore(url);
    expect([all.create.length, all.update.length, all.delete.length]).toEqual([mirrorRefs(aPath).size, 0, 0]);
    expect(mirrorRefs(ePath)).toEqual(mirrorRefs(aPath));
    expect(e.head).toBe(a.head);
    expect(git(ePath, 'rev-parse', 'main^{tree}')).toBe(git(aPath, 'rev-parse', 'main^{tree}'));
    expectFsckClean(ePath);

    const cPath = join(root, 'c.git');
    const c = await workspace(cPath);
    c.register(Note);
    await new Note({ name: 'local-only' }).save();
    const refused = await c.remotes.restore(url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StagedChangesError);
    expect(refsOf(cPath).size).toBe(0);
    await c.discard();
    await new Note({ name: 'local-only' }).save({ commit: true });
    git(cPath, 'update-ref', 'refs/heads/gone', 'main');
    const dry = await c.remotes.restore(url, { dryRun: true });
    expect(dry.delete.map((d) => d.ref)).toEqual(['refs/heads/gone']);
    expect(dry.update.map((d) => d.ref)).toEqual(['refs/heads/main']);
    const restored = await c.remotes.restore(url);
    expect(restored).toEqual(dry);
    expect(mirrorRefs(cPath)).toEqual(mirrorRefs(aPath));
    expect(git(cPath, 'cat-file', '-t', 'refs/tags/v2').trim()).toBe('tag');
    // the workspace reads the restored branch
    expect(c.head).toBe(a.head);
    expect((await Note.all()).map((n) => n.name).sort()).toEqual(['n1', 'n2']);
    expect((await Note.get('n2', { at: 'cp' })).text).toBe('two');
    expectFsckClean(cPath);

    // the same from a local path: a backup there, restored into another empty repository
    const local = bareRepo(root, 'local.git');
    await a.remotes.backup(local);
    const fPath = join(root, 'f.git');
    const f = await workspace(fPath);
    await f.remotes.restore(local);
    expect(mirrorRefs(fPath)).toEqual(mirrorRefs(aPath));
    expect(f.head).toBe(a.head);
    expectFsckClean(fPath);
  }, 90_000);

  it('backup is atomic: a ref the server cannot update, or a connection cut during the push, leaves every remote ref as it was', async () => {
    const { root, aPath, a, url, bare } = await richWithServer();
    const local = bareRepo(root, 'local.git');
    await a.remotes.backup(url);
    await a.remotes.backup(local);
    const before = refsOf(bare);
    await a.branches.create('new-branch', { from: 'HEAD' });
    await new Note({ name: 'n5' }).save({ commit: true });
    await a.checkpoints.create('cp2');

    // the server's main is locked (another writer): receive-pack refuses it, and with atomic all the others
    for (const target of [bare, local]) writeFileSync(join(target, 'refs', 'heads', 'main.lock'), '');
    const err = await a.remotes.backup(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect(refsOf(bare)).toEqual(before);
    const localErr = await a.remotes.backup(local).catch((e: unknown) => e);
    expect(localErr).toBeInstanceOf(RefLockedError);
    expect(refsOf(local)).toEqual(before);
    for (const target of [bare, local]) rmSync(join(target, 'refs', 'heads', 'main.lock'));

    // the connection breaks inside the pack
    const client = nodeHttpClient();
    try {
      const cut = await a.remotes.backup(url, { http: cuttingPushes(client, 300) }).catch((e: unknown) => e);
      expect(cut).toBeInstanceOf(RemoteUnreachableError);
    } finally {
      client.close();
    }
    expect(refsOf(bare)).toEqual(before);
    expectFsckClean(bare);
    // and once the way is clear, the same backup goes through
    await a.remotes.backup(url);
    expect(refsOf(bare)).toEqual(mirrorRefs(aPath));
    expectFsckClean(bare);
  }, 90_000);
});

describe('hostile ref names from a server', () => {
  /** A server that only advertises: these refs (all at `oid`), no pack ever needed. */
  function advertising(names: string[], oid: string): HttpClient & { posts: number } {
    const client = {
      posts: 0,
      async request(req: { url: string; method?: string }) {
        if (req.method === 'POST') client.posts++;
        const service = /service=(git-[a-z-]+)/.exec(req.url)?.[1] ?? 'git-upload-pack';
        const lines = [pktLine(`# service=${service}\n`), FLUSH_PKT];
        names.forEach((name, i) => lines.push(pktLine(`${oid} ${name}${i === 0 ? '\0side-band-64k ofs-delta report-status delete-refs atomic' : ''}\n`)));
        lines.push(FLUSH_PKT);
        return {
          url: req.url,
          statusCode: 200,
          statusMessage: 'OK',
          headers: { 'content-type': `application/x-${service}-advertisement` },
          body: (async function* () {
            yield* lines;
          })(),
        };
      },
    };
    return client;
  }

  it('a name that is not a valid git ref (.., control characters, climbing out of refs/) never becomes a ref or a file', async () => {
    const root = tempDir();
    const path = join(root, 'data.git');
    const ws = await workspace(path);
    ws.register(Note);
    await new Note({ name: 'n1' }).save({ commit: true });
    const oid = ws.head!;
    const hostile = [
      'refs/heads/../../../escaped',
      'refs/heads/../../HEAD',
      'refs/heads/a..b',
      'refs/heads/ctl\u0001x',
      'refs/heads/sp ace',
      'refs/heads/x.lock',
      'refs/heads/trailing/',
      'refs/checkpoints/../../config',
      '../outside',
    ];
    const http = advertising(['refs/heads/ok', ...hostile, 'refs/checkpoints/good'], oid);
    await ws.remotes.add('origin', 'http://hostile.invalid/r.git', { checkpoints: true });
    const before = readdirSync(path).sort();
    const result = await ws.fetch({ http });
    expect(result.updated.map((u) => u.ref).sort()).toEqual(['refs/gitmodel/remotes/origin/checkpoints/good', 'refs/remotes/origin/ok']);
    expect(http.posts).toBe(0);
    expect(readdirSync(path).sort()).toEqual(before);
    expect(existsSync(join(root, 'escaped'))).toBe(false);
    expect(refsOf(path)).toEqual(
      new Map([
        ['refs/gitmodel/remotes/origin/checkpoints/good', oid],
        ['refs/heads/main', oid],
        ['refs/remotes/origin/ok', oid],
      ]),
    );
    git(path, 'show-ref');
    // every namespace's fetch and a mirror restore see only the valid names
    await ws.checkpoints.fetch({ http });
    await ws.streams.fetch({ http });
    const plan = await ws.remotes.restore('origin', { http, dryRun: true });
    expect([...plan.create, ...plan.update].map((c) => c.ref).sort()).toEqual(['refs/checkpoints/good', 'refs/heads/ok']);
    expect(readdirSync(path).sort()).toEqual(before);
    expectFsckClean(path);
  });
});

/** A workspace at root/a.git with one commit, and two empty bare targets: over HTTP and a local path. */
async function twoTargets(): Promise<{ server: GitServer; aPath: string; a: Workspace; targets: [string, string, string][] }> {
  const root = tempDir();
  const server = await serve(root);
  const aPath = join(root, 'a.git');
  const a = await workspace(aPath);
  await new Note({ name: 'n1' }).save({ commit: true });
  const targets: [string, string, string][] = [
    ['http', `${server.url}/server.git`, bareRepo(root)],
    ['local', join(root, 'local.git'), bareRepo(root, 'local.git')],
  ];
  return { server, aPath, a, targets };
}

describe('push: deletes and atomic (what backup needs of ws.push)', () => {
  it('`:ref` deletes a remote ref over HTTP and to a local path (no pack when only deleting), its tracking ref too; a missing one is refused', async () => {
    const { server, aPath, a, targets } = await twoTargets();
    await a.branches.create('old', { from: 'HEAD' });
    for (const [name, url, bare] of targets) {
      await a.remotes.add(name, url);
      await a.push({ remote: name, refs: ['refs/heads/*:refs/heads/*'] });
      expect([...refsOf(bare).keys()]).toEqual(['refs/heads/main', 'refs/heads/old']);
      expect(git(aPath, 'rev-parse', `refs/remotes/${name}/old`).trim()).toBe(a.head);
      const client = nodeHttpClient();
      const bodies: string[] = [];
      const recording: HttpClient = {
        async request(req) {
          if (req.body && req.url.endsWith('/git-receive-pack')) {
            const chunks: Uint8Array[] = [];
            for await (const chunk of req.body) chunks.push(chunk);
            bodies.push(Buffer.concat(chunks).toString('latin1'));
            return client.request({ ...req, body: chunks });
          }
          return client.request(req);
        },
      };
      const result = await a.push({ remote: name, refs: [':refs/heads/old'], http: recording }).finally(() => client.close());
      if (name === 'http') expect(bodies).toEqual([expect.stringMatching(/^[0-9a-f]{4}[0-9a-f]{40} 0{40} refs\/heads\/old\0[^\n]*\n0000$/)]); // commands, no pack
      expect(result).toEqual({ updated: [], upToDate: [], deleted: [{ ref: 'refs/heads/old', old: a.head }] });
      expect([...refsOf(bare).keys()]).toEqual(['refs/heads/main']);
      expect(refsOf(aPath, `refs/remotes/${name}/`)).toEqual(new Map([[`refs/remotes/${name}/main`, a.head]]));
      const missing = await a.push({ remote: name, refs: [':refs/heads/old'] }).catch((e: unknown) => e);
      expect((missing as PushRejectedError).data.refs).toEqual([{ ref: 'refs/heads/old', reason: 'remote ref does not exist' }]);
      expectFsckClean(bare);
    }
    expect((await server.stats()).receivePack).toBe(2);
  }, 60_000);

  it('atomic: one refused update refuses them all, over HTTP (receive-pack) and to a local path', async () => {
    const { aPath, a, targets } = await twoTargets();
    for (const [name, url, bare] of targets) {
      await a.remotes.add(name, url);
      await a.push({ remote: name });
      const before = refsOf(bare);
      await a.branches.create(`${name}-new`, { from: 'HEAD' });
      writeFileSync(join(bare, 'refs', 'heads', 'main.lock'), '');
      await new Note({ name: `more-${name}` }).save({ commit: true });
      const refs = [`refs/heads/${name}-new`, 'refs/heads/main'];
      const err = await a.push({ remote: name, refs, atomic: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(name === 'http' ? PushRejectedError : RefLockedError);
      expect(refsOf(bare)).toEqual(before);
      rmSync(join(bare, 'refs', 'heads', 'main.lock'));
      await a.push({ remote: name, refs, atomic: true });
      expect(refsOf(bare)).toEqual(new Map([[`refs/heads/${name}-new`, git(aPath, 'rev-parse', `${name}-new`).trim()], ['refs/heads/main', a.head!]]));
      expectFsckClean(bare);
    }
  }, 60_000);

  it('remotes.remove drops the remote-tracking refs of its checkpoints and streams too; those need a configured remote', async () => {
    const root = tempDir();
    const path = join(root, 'a.git');
    const ws = await workspace(path);
    await new Note({ name: 'n1' }).save({ commit: true });
    await ws.checkpoints.create('cp');
    const remote = join(root, 'r.git');
    bareRepo(root, 'r.git');
    await ws.remotes.add('r', remote, { checkpoints: true });
    await ws.checkpoints.push({ remote: 'r' });
    await ws.streams.publish({ remote: 'r' });
    await ws.fetch({ remote: 'r' });
    await ws.streams.fetch({ remote: 'r' });
    expect([...refsOf(path, 'refs/gitmodel/remotes/').keys()]).toHaveLength(2);
    await ws.remotes.remove('r');
    expect([...refsOf(path).keys()]).toEqual(['refs/checkpoints/cp', 'refs/heads/main']);
    expect(git(path, 'config', 'gitmodel.machine').trim()).toBe(await ws.streams.machine());
    // a URL or path has no folder of tracking refs: fetched checkpoints and streams need a configured remote
    await expect(ws.checkpoints.fetch({ remote: remote })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(ws.streams.fetch({ remote: remote })).rejects.toBeInstanceOf(RemoteNotFoundError);
    await expect(ws.streams.list({ remote: 'r' })).resolves.toEqual([]);
  });
});
