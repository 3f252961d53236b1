// Black-box tests of checkpoints: commits of the workspace index under refs/checkpoints/, outside
// every branch; read at, diffed against, listed, deleted and garbage-collected, checked with the
// git CLI (for-each-ref, log, show, check-ref-format, gc, fsck).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, InvalidRefNameError, RefExistsError, RefNotFoundError } from '../lib/index.js';
import { Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught, Clock, gitLog, lines, open, page, rev, T0 } from './history-helpers.js';

function objectExists(gitdir: string, oid: string): boolean {
  try {
    git(gitdir, 'cat-file', '-e', oid);
    return true;
  } catch {
    return false;
  }
}

describe('ws.checkpoints', () => {
  it('commits the index, staged changes included, under refs/checkpoints/<name>: no branch moves, nothing is unstaged', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    const ws = await open(path, { author: clock.next() });
    const c1 = await page('a', 'A').save({ commit: true, message: 'a' });
    const a = await Page.get('a');
    a.title = 'A, in progress';
    await a.save();
    await page('b', 'B, new').save();
    const staged = await ws.diff();

    const cp = await ws.checkpoints.create('before-review');
    expect(cp).toMatchObject({ name: 'before-review', ref: 'refs/checkpoints/before-review', message: 'checkpoint before-review' });
    expect(cp.date).toEqual(new Date(T0 * 1000));
    expect(rev(path, 'refs/checkpoints/before-review')).toBe(cp.oid);
    expect(git(path, 'log', '-1', '--format=%P%n%s', cp.oid)).toBe(`${c1}\ncheckpoint before-review\n`);
    expect(JSON.parse(git(path, 'show', 'checkpoints/before-review:page/a/data.json')).title).toBe('A, in progress');
    expect(JSON.parse(git(path, 'show', 'checkpoints/before-review:page/b/data.json')).title).toBe('B, new');
    // branches and git log stay clean; the workspace keeps its staged changes
    expect(rev(path, 'main')).toBe(c1);
    expect(gitLog(path, 'main')).toEqual([c1]);
    expect(lines(git(path, 'for-each-ref', '--format=%(refname)'))).toEqual(['refs/checkpoints/before-review', 'refs/heads/main']);
    expect(ws.head).toBe(c1);
    expect(await ws.diff()).toEqual(staged);
    expectFsckClean(path);

    // committing afterwards still writes a complete commit (the checkpoint stored the shared objects)
    const c2 = await ws.commit({ message: 'reviewed' });
    expect(rev(path, `${c2}^{tree}`)).toBe(rev(path, `${cp.oid}^{tree}`));
    expect(await ws.diff('before-review', 'HEAD')).toEqual([]);
    expectFsckClean(path);
  });

  it('is read at, and diffed against, by its full or short name', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a', 'A1').save({ commit: true, message: 'a' });
    const a = await Page.get('a');
    a.title = 'A2';
    await a.save();
    await ws.checkpoints.create('wip');
    await ws.discard();
    await page('c').save({ commit: true, message: 'c' });

    expect((await Page.get('a', { at: 'checkpoints/wip' })).title).toBe('A2');
    expect((await Page.get('a', { at: 'wip' })).title).toBe('A2');
    expect((await Page.get('a', { at: 'wip~1' })).title).toBe('A1');
    expect(await Page.exists('c', { at: 'wip' })).toBe(false);
    expect((await ws.diff('wip', 'HEAD')).map((d) => [d.id, d.status])).toEqual([
      ['a', 'modified'],
      ['c', 'added'],
    ]);
    const diff = await Page.diff('a', 'wip', 'HEAD');
    expect(diff.changes).toEqual([{ field: 'title', from: 'A2', to: 'A1' }]);
    const out = git(path, 'diff', 'checkpoints/wip', 'main', '--', 'page/a/data.json');
    expect(diff.text).toBe(out.slice(out.indexOf('--- ')));
    expect((await Page.history('a', { at: 'wip' })).map((v) => v.object!.title)).toEqual(['A2', 'A1']);
    // a branch or tag of the same name comes first, as git resolves names
    await ws.tags.create('wip');
    expect((await Page.get('a', { at: 'wip' })).title).toBe('A1');
  });

  it('is named by the time when no name is given, unique and valid for git', async () => {
    const path = newRepoPath();
    const ws = await open(path, { author: new Clock().next() });
    await page('a').save({ commit: true, message: 'a' });
    const first = await ws.checkpoints.create();
    const second = await ws.checkpoints.create(undefined, { message: 'second try' });
    expect(first.name).toBe('2023-11-14T221320.000Z');
    expect(second.name).toBe('2023-11-14T221320.000Z-2');
    expect(second.message).toBe('second try');
    for (const cp of [first, second]) {
      execFileSync('git', ['check-ref-format', cp.ref]);
      expect(rev(path, cp.ref)).toBe(cp.oid);
    }
    // nothing staged: a commit with the head's tree
    expect(rev(path, `${first.oid}^{tree}`)).toBe(rev(path, 'main^{tree}'));
  });

  it('works on an unborn branch: a root commit of what is staged', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const empty = await ws.checkpoints.create('empty');
    expect(git(path, 'ls-tree', '-r', empty.oid)).toBe('');
    await page('a').save();
    const one = await ws.checkpoints.create('one');
    expect(git(path, 'log', '-1', '--format=%P', one.oid).trim()).toBe('');
    expect(git(path, 'ls-tree', '-r', '--name-only', one.oid)).toBe('page/a/data.json\n');
    expect(() => rev(path, 'refs/heads/main')).toThrow(); // still unborn
    expectFsckClean(path);
  });

  it('lists oldest first; deletes one; gc deletes by age and count; git gc then drops what only they kept', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    await page('a').save({ commit: true, message: 'a', author: clock.next() });
    const made = [];
    for (const name of ['one', 'two', 'three', 'four']) {
      const ws = await open(path, { author: clock.next() });
      await page(`only-in-${name}`, `unique text for ${name}`).save();
      made.push(await ws.checkpoints.create(name));
    }
    const ws = await open(path);
    expect((await ws.checkpoints.list()).map((c) => c.name)).toEqual(['one', 'two', 'three', 'four']);
    expect((await ws.checkpoints.list()).map((c) => `${c.oid} ${c.ref}`)).toEqual(
      lines(git(path, 'for-each-ref', '--sort=committerdate', '--format=%(objectname) %(refname)', 'refs/checkpoints/')),
    );

    expect(await ws.checkpoints.delete('two')).toBe(made[1].oid);
    expect(await ws.checkpoints.gc({ olderThan: made[2].date })).toEqual(['one']);
    expect(await ws.checkpoints.gc({ keep: 1 })).toEqual(['three']);
    expect((await ws.checkpoints.list()).map((c) => c.name)).toEqual(['four']);
    expect(lines(git(path, 'for-each-ref', '--format=%(refname)', 'refs/checkpoints/'))).toEqual(['refs/checkpoints/four']);
    expect(await ws.checkpoints.gc({ keep: 1, olderThan: new Date(0) })).toEqual([]);
    expectFsckClean(path);

    // gc deletes refs only: the deleted checkpoints' objects stay until git's own gc prunes them
    const blobOf = (cp: { oid: string }, name: string) => rev(path, `${cp.oid}:page/only-in-${name}/data.json`);
    const doomed = made.slice(0, 3).map((cp, i) => [cp.oid, git(path, 'rev-parse', `${cp.oid}^{tree}`).trim()] as const);
    const kept = blobOf(made[3], 'four');
    for (const [commit] of doomed) expect(objectExists(path, commit)).toBe(true);
    git(path, 'gc', '-q', '--prune=now');
    for (const [commit, tree] of doomed) {
      expect(objectExists(path, commit)).toBe(false);
      expect(objectExists(path, tree)).toBe(false);
    }
    expect(objectExists(path, kept)).toBe(true);
    await open(path); // git gc replaced the pack files
    expect((await Page.get('only-in-four', { at: 'four' })).title).toBe('unique text for four');
    expectFsckClean(path);
  });

  it('refuses a taken name, a bad name, a missing checkpoint and a gc without limits, changing nothing', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a').save({ commit: true, message: 'a' });
    await ws.checkpoints.create('cp');
    await page('staged').save();
    const before = snapshot(path);
    const taken = await caught(ws.checkpoints.create('cp'));
    expect(taken).toBeInstanceOf(RefExistsError);
    expect(taken.data).toEqual({ ref: 'refs/checkpoints/cp', oid: rev(path, 'refs/checkpoints/cp') });
    for (const bad of ['a b', 'x..y', 'x.lock', 'x:y']) expect(await caught(ws.checkpoints.create(bad))).toBeInstanceOf(InvalidRefNameError);
    expect(await caught(ws.checkpoints.delete('nope'))).toBeInstanceOf(RefNotFoundError);
    const gc = await caught(ws.checkpoints.gc({}));
    expect(gc).toBeInstanceOf(ConfigurationError);
    expect(gc.message).toContain('olderThan');
    expect(snapshot(path)).toEqual(before);
    expect(await Page.exists('staged')).toBe(true);
  });
});
