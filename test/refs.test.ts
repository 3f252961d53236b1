// Black-box tests of branches, switching, tags and read-only tag workspaces, checked against the
// git CLI (for-each-ref, rev-parse, cat-file, fsck), including refs git has packed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BranchCheckedOutError,
  ConfigurationError,
  CurrentBranchError,
  InvalidRefNameError,
  ReadOnlyRefError,
  RefExistsError,
  RefLockedError,
  RefNotFoundError,
  StagedChangesError,
  Workspace,
} from '../lib/index.js';
import { Page } from '../models-example/models.js';
import { cliRepoWithCheckout, expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught, Clock, gitLog, lines, open, page, rev } from './history-helpers.js';

/** A repository with main at c2 (pages a, b) and c1 before it. */
async function twoCommits(path: string) {
  const clock = new Clock();
  const ws = await open(path);
  const c1 = (await page('a', 'A').save({ commit: true, message: 'a', author: clock.next() }))!;
  const c2 = (await page('b', 'B').save({ commit: true, message: 'b', author: clock.next() }))!;
  return { ws, c1, c2, clock };
}

function forEachRef(gitdir: string, prefix: string): string[] {
  return lines(git(gitdir, 'for-each-ref', '--format=%(refname:short) %(objectname)', prefix));
}

describe('ws.branches', () => {
  it('creates branches from the head or any revision; git sees them; list agrees with git for-each-ref', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await twoCommits(path);
    git(path, 'tag', 'v1', c1);
    expect(await ws.branches.create('draft')).toEqual({ name: 'draft', head: c2, current: false });
    await ws.branches.create('from-commit', { from: c1.slice(0, 8) });
    await ws.branches.create('from-tag', { from: 'v1' });
    await ws.branches.create('topic/x', { from: 'HEAD~1' });
    expect(rev(path, 'draft')).toBe(c2);
    expect(rev(path, 'from-commit')).toBe(c1);
    expect(rev(path, 'from-tag')).toBe(c1);
    expect(rev(path, 'topic/x')).toBe(c1);
    git(path, 'branch', 'cli-made', c1);
    const listed = await ws.branches.list();
    expect(listed.map((b) => `${b.name} ${b.head}`)).toEqual(forEachRef(path, 'refs/heads/'));
    expect(listed.filter((b) => b.current).map((b) => b.name)).toEqual(['main']);
    expectFsckClean(path);
  });

  it('reads a branch without switching, and a second workspace can work on it', async () => {
    const path = newRepoPath();
    const { ws, c2 } = await twoCommits(path);
    await ws.branches.create('draft');
    const draft = await open(path, { branch: 'draft' });
    const a = await Page.get('a');
    a.title = 'A on draft';
    const d1 = await a.save({ commit: true, message: 'draft edit' });
    expect(rev(path, 'draft')).toBe(d1);
    expect(rev(path, 'main')).toBe(c2);
    expect(draft.branch).toBe('draft');
    await open(path); // Page bound to main again
    expect((await Page.get('a')).title).toBe('A');
    expect((await Page.get('a', { at: 'draft' })).title).toBe('A on draft');
  });

  it('deletes a branch, loose or packed by git, and git no longer sees it; other packed refs stay', async () => {
    const path = newRepoPath();
    const { ws, c1 } = await twoCommits(path);
    await ws.branches.create('loose');
    await ws.branches.create('packed/one', { from: c1 });
    await ws.branches.create('packed/two', { from: c1 });
    git(path, 'tag', '-a', '-m', 'annotated', 'v1', c1);
    git(path, 'pack-refs', '--all');
    expect(existsSync(join(path, 'refs', 'heads', 'packed'))).toBe(false);
    expect(await ws.branches.delete('packed/one')).toBe(c1);
    expect(forEachRef(path, 'refs/heads/')).toEqual([`loose ${rev(path, 'loose')}`, `main ${rev(path, 'main')}`, `packed/two ${c1}`]);
    const packed = readFileSync(join(path, 'packed-refs'), 'utf8');
    expect(packed).not.toContain('refs/heads/packed/one');
    expect(packed).toMatch(/refs\/tags\/v1\n\^[0-9a-f]{40}\n/); // the annotated tag keeps its peeled line
    expect(existsSync(join(path, 'refs', 'heads', 'packed'))).toBe(false); // no directory left behind
    // a packed ref with a loose value on top is removed from both
    await ws.branches.create('twice', { from: c1 });
    git(path, 'pack-refs', '--all');
    git(path, 'update-ref', 'refs/heads/twice', rev(path, 'main'));
    await ws.branches.delete('twice');
    expect(forEachRef(path, 'refs/heads/twice')).toEqual([]);
    await ws.branches.delete('loose');
    expect(forEachRef(path, 'refs/heads/').map((l) => l.split(' ')[0])).toEqual(['main', 'packed/two']);
    expect(rev(path, 'v1^{commit}')).toBe(c1);
    expectFsckClean(path);
  });

  it('refuses an existing name, a bad name, a missing branch, its own branch and a checked-out one, changing nothing', async () => {
    const path = newRepoPath();
    const { ws } = await twoCommits(path);
    await ws.branches.create('draft');
    const before = snapshot(path);
    const exists = await caught(ws.branches.create('draft', { from: 'HEAD~1' }));
    expect(exists).toBeInstanceOf(RefExistsError);
    expect(exists.code).toBe('REF_EXISTS');
    expect(exists.data).toEqual({ ref: 'refs/heads/draft', oid: rev(path, 'draft') });
    for (const bad of ['a..b', 'x y', '-lead', 'HEAD', 'end.lock', 'a/.hidden']) {
      const err = await caught(ws.branches.create(bad));
      expect(err).toBeInstanceOf(InvalidRefNameError);
      expect(err.data.name).toBe(bad);
    }
    expect(await caught(ws.branches.delete('a..b'))).toBeInstanceOf(InvalidRefNameError);
    expect(await caught(ws.branches.create('new', { from: 'nope' }))).toBeInstanceOf(RefNotFoundError);
    const missing = await caught(ws.branches.delete('nope'));
    expect(missing).toBeInstanceOf(RefNotFoundError);
    expect(missing.data).toEqual({ ref: 'nope' });
    const current = await caught(ws.branches.delete('main'));
    expect(current).toBeInstanceOf(CurrentBranchError);
    expect(current.code).toBe('CURRENT_BRANCH');
    expect(current.data).toEqual({ branch: 'main' });
    expect(snapshot(path)).toEqual(before);

    const dir = cliRepoWithCheckout(); // main is checked out there
    const other = await open(dir, { branch: 'data', orphan: true });
    await page('p').save({ commit: true, message: 'p' });
    const beforeCheckout = snapshot(dir);
    const checkedOut = await caught(other.branches.delete('main'));
    expect(checkedOut).toBeInstanceOf(BranchCheckedOutError);
    expect(checkedOut.data).toMatchObject({ branch: 'main', path: dir });
    expect(snapshot(dir)).toEqual(beforeCheckout);
  });

  it('renames a branch (packed by git too) with its redo line, its stored merge and its config section; git sees it', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await twoCommits(path);
    await ws.branches.create('draft');
    const draft = await open(path, { branch: 'draft' });
    expect(await draft.undo()).toBe(c1); // refs/gitmodel/redo/draft now names c2
    // the ref a merge in progress is kept under (merge-state.ts); its content does not matter to a rename
    git(path, 'update-ref', 'refs/gitmodel/merge/draft', c2);
    git(path, 'config', 'branch.draft.remote', 'origin');
    git(path, 'config', 'branch.draft.merge', 'refs/heads/draft');
    git(path, 'config', 'branch.draft.description', 'kept too');
    git(path, 'pack-refs', '--all');
    await open(path);
    expect(await ws.branches.rename('draft', 'topic/renamed')).toEqual({ name: 'topic/renamed', head: c1, current: false });
    expect(forEachRef(path, 'refs/heads/')).toEqual([`main ${c2}`, `topic/renamed ${c1}`]);
    expect(forEachRef(path, 'refs/gitmodel/')).toEqual([`gitmodel/merge/topic/renamed ${c2}`, `gitmodel/redo/topic/renamed ${c2}`]);
    expect(lines(git(path, 'config', '--get-regexp', '^branch\\.'))).toEqual([
      'branch.topic/renamed.remote origin',
      'branch.topic/renamed.merge refs/heads/draft',
      'branch.topic/renamed.description kept too',
    ]);
    // the redo line moved with it: a workspace on the new name redoes what was undone under the old
    const renamed = await open(path, { branch: 'topic/renamed' });
    expect(await renamed.redo()).toBe(c2);
    expectFsckClean(path);
  });

  it('refuses to rename onto an existing name, a missing or bad name, its own branch, a checked-out one and HEAD\'s, changing nothing', async () => {
    const path = newRepoPath();
    const { ws, c1 } = await twoCommits(path);
    await ws.branches.create('draft', { from: c1 });
    await ws.branches.create('other');
    const before = snapshot(path);
    const exists = await caught(ws.branches.rename('draft', 'other'));
    expect(exists).toBeInstanceOf(RefExistsError);
    expect(exists.data).toEqual({ ref: 'refs/heads/other', oid: rev(path, 'other') });
    expect(await caught(ws.branches.rename('nope', 'x'))).toBeInstanceOf(RefNotFoundError);
    for (const [from, to] of [['draft', 'a..b'], ['a..b', 'x'], ['draft', 'draft/inner']]) {
      const err = await caught(ws.branches.rename(from, to));
      expect(err).toBeInstanceOf(InvalidRefNameError);
    }
    const current = await caught(ws.branches.rename('main', 'trunk'));
    expect(current).toBeInstanceOf(CurrentBranchError);
    expect(current.message).toMatch(/before renaming it/);
    // a workspace on another branch: main is still what the bare repository's HEAD names
    const onDraft = await open(path, { branch: 'draft' });
    expect(await caught(onDraft.branches.rename('main', 'trunk'))).toBeInstanceOf(ConfigurationError);
    expect(snapshot(path)).toEqual(before);

    const dir = cliRepoWithCheckout(); // main is checked out there
    const data = await open(dir, { branch: 'data', orphan: true });
    await page('p').save({ commit: true, message: 'p' });
    const beforeCheckout = snapshot(dir);
    const checkedOut = await caught(data.branches.rename('main', 'trunk'));
    expect(checkedOut).toBeInstanceOf(BranchCheckedOutError);
    expect(snapshot(dir)).toEqual(beforeCheckout);
  });

  it('an empty repository has no head to branch from (RefNotFoundError)', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const before = snapshot(path);
    expect(await caught(ws.branches.create('x'))).toBeInstanceOf(RefNotFoundError);
    expect(await ws.branches.list()).toEqual([]);
    expect(snapshot(path)).toEqual(before);
  });

  it('waits for, then gives up on, a lock another writer holds (RefLockedError), leaving its lock alone', async () => {
    const path = newRepoPath();
    const { ws } = await twoCommits(path);
    await ws.branches.create('busy');
    writeFileSync(join(path, 'refs', 'heads', 'busy.lock'), '');
    const before = snapshot(path);
    const err = await caught(ws.branches.delete('busy'));
    expect(err).toBeInstanceOf(RefLockedError);
    expect(snapshot(path)).toEqual(before);
  });
});

describe('ws.switch', () => {
  it('moves the workspace to another branch (one made with git branch too): reads and commits go there', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await twoCommits(path);
    git(path, 'branch', 'old', c1);
    await ws.switch('old');
    expect(ws.branch).toBe('old');
    expect(ws.ref).toBe('refs/heads/old');
    expect(ws.head).toBe(c1);
    expect(await Page.exists('b')).toBe(false);
    const o1 = await page('c').save({ commit: true, message: 'on old' });
    expect(rev(path, 'old')).toBe(o1);
    expect(rev(path, 'main')).toBe(c2);
    expect(gitLog(path, 'old')).toEqual([o1, c1]);
    await ws.switch('main');
    expect(await Page.exists('c')).toBe(false);
    expect(await Page.exists('b')).toBe(true);
    expect(git(path, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main'); // the repository's HEAD is not ours to move
    expectFsckClean(path);
  });

  it('refuses while changes are staged (StagedChangesError) unless told to discard them', async () => {
    const path = newRepoPath();
    const { ws, c2 } = await twoCommits(path);
    await ws.branches.create('other', { from: 'HEAD~1' });
    await page('staged').save();
    const before = snapshot(path);
    const err = await caught(ws.switch('other'));
    expect(err).toBeInstanceOf(StagedChangesError);
    expect(err.code).toBe('STAGED_CHANGES');
    expect(err.data).toEqual({ branch: 'main', action: 'switch to other' });
    expect(ws.branch).toBe('main');
    expect(ws.head).toBe(c2);
    expect(await Page.exists('staged')).toBe(true);
    expect(snapshot(path)).toEqual(before);
    await ws.switch('other', { discard: true });
    expect(ws.branch).toBe('other');
    expect(ws.hasChanges()).toBe(false);
    expect(await Page.exists('staged')).toBe(false);
  });

  it('refuses a missing branch and a bad name, changing nothing', async () => {
    const path = newRepoPath();
    const { ws } = await twoCommits(path);
    const before = snapshot(path);
    expect(await caught(ws.switch('nope'))).toBeInstanceOf(RefNotFoundError);
    expect(await caught(ws.switch('a b'))).toBeInstanceOf(InvalidRefNameError);
    expect(ws.branch).toBe('main');
    expect(snapshot(path)).toEqual(before);
  });
});

describe('ws.tags', () => {
  it('creates lightweight and annotated tags that git reads; list agrees with git for-each-ref', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await twoCommits(path);
    expect(await ws.tags.create('v1', { at: 'HEAD~1' })).toEqual({ name: 'v1', commit: c1 });
    const v2 = await ws.tags.create('v2', { message: 'Release 2\n\nWith pages a and b.' });
    expect(v2.commit).toBe(c2);
    expect(git(path, 'cat-file', '-t', 'refs/tags/v1').trim()).toBe('commit');
    expect(git(path, 'cat-file', '-t', 'refs/tags/v2').trim()).toBe('tag');
    expect(v2.object).toBe(rev(path, 'refs/tags/v2'));
    expect(rev(path, 'v2^{commit}')).toBe(c2);
    const raw = git(path, 'cat-file', 'tag', 'v2');
    expect(raw).toMatch(new RegExp(`^object ${c2}\ntype commit\ntag v2\ntagger gitmodel <gitmodel@localhost> \\d+ [+-]\\d{4}\n\nRelease 2\n\nWith pages a and b.\n$`));
    expect(git(path, 'for-each-ref', '--format=%(contents:subject)', 'refs/tags/v2').trim()).toBe('Release 2');
    git(path, 'tag', 'cli-tag', c1);
    const listed = await ws.tags.list();
    expect(listed.map((t) => `${t.name} ${t.object ?? t.commit}`)).toEqual(forEachRef(path, 'refs/tags/'));
    expect(listed.find((t) => t.name === 'v2')).toEqual({ name: 'v2', commit: c2, object: v2.object, message: 'Release 2\n\nWith pages a and b.' });
    expectFsckClean(path);
  });

  it('reads at a tag work; deleting a tag (packed or not) removes it', async () => {
    const path = newRepoPath();
    const { ws } = await twoCommits(path);
    await ws.tags.create('v1', { at: 'HEAD~1' });
    await ws.tags.create('v2', { message: 'two' });
    expect(await Page.exists('b', { at: 'v1' })).toBe(false);
    expect((await Page.get('b', { at: 'v2' })).title).toBe('B');
    git(path, 'pack-refs', '--all');
    const v2 = rev(path, 'refs/tags/v2');
    expect(await ws.tags.delete('v2')).toBe(v2);
    expect(forEachRef(path, 'refs/tags/')).toEqual([`v1 ${rev(path, 'main~1')}`]);
    await ws.tags.delete('v1');
    expect(forEachRef(path, 'refs/tags/')).toEqual([]);
    expect(await caught(Page.get('b', { at: 'v2' }))).toBeInstanceOf(RefNotFoundError);
    expectFsckClean(path);
  });

  it('refuses an existing tag, a bad name and a missing one, changing nothing', async () => {
    const path = newRepoPath();
    const { ws } = await twoCommits(path);
    await ws.tags.create('v1');
    const before = snapshot(path);
    const exists = await caught(ws.tags.create('v1', { message: 'again' }));
    expect(exists).toBeInstanceOf(RefExistsError);
    expect(exists.data.ref).toBe('refs/tags/v1');
    expect(await caught(ws.tags.create('v 2'))).toBeInstanceOf(InvalidRefNameError);
    expect(await caught(ws.tags.delete('v9'))).toBeInstanceOf(RefNotFoundError);
    expect(await caught(ws.tags.create('v3', { at: 'nope' }))).toBeInstanceOf(RefNotFoundError);
    expect(snapshot(path)).toEqual(before);
  });
});

describe('a workspace opened on a tag', () => {
  it('reads the tagged commit and refuses every write with ReadOnlyRefError, changing nothing', async () => {
    const path = newRepoPath();
    const { ws, c1 } = await twoCommits(path);
    await ws.tags.create('v1', { at: 'HEAD~1', message: 'first' });
    await ws.tags.create('light', { at: 'HEAD~1' });
    for (const tag of ['v1', 'light']) {
      const ro = await open(path, { branch: tag });
      expect(ro.readOnly).toBe(true);
      expect(ro.branch).toBe(tag);
      expect(ro.ref).toBe(`refs/tags/${tag}`);
      expect(ro.head).toBe(c1);
      expect((await Page.get('a')).title).toBe('A');
      expect(await Page.exists('b')).toBe(false);
      expect((await Page.history('a')).map((v) => v.commit.oid)).toEqual([c1]);
      const before = snapshot(path);
      const a = await Page.get('a');
      a.title = 'changed';
      const err = await caught(a.save());
      expect(err).toBeInstanceOf(ReadOnlyRefError);
      expect(err.code).toBe('READ_ONLY_REF');
      expect(err.data).toEqual({ ref: tag });
      expect(await caught(a.save({ commit: true, message: 'no' }))).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(Page.delete('a'))).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(ro.commit({ message: 'no' }))).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(Page.restore('a', { from: 'main' }))).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(ro.restore({ from: 'main' }))).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(ro.undo())).toBeInstanceOf(ReadOnlyRefError);
      expect(await caught(ro.redo())).toBeInstanceOf(ReadOnlyRefError);
      expect(ro.hasChanges()).toBe(false);
      expect((await Page.get('a')).title).toBe('A');
      expect(snapshot(path)).toEqual(before);
    }
    // switching a workspace to a tag makes it read-only, and back to a branch writable
    const main = await open(path);
    await main.switch('v1');
    expect(main.readOnly).toBe(true);
    await main.switch('main');
    expect(main.readOnly).toBe(false);
    expect(await page('c').save({ commit: true, message: 'c' })).toBe(rev(path, 'main'));
  });

  it('a branch and a tag of the same name: the branch wins, as for Workspace.open of a branch', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await twoCommits(path);
    await ws.tags.create('both', { at: c1 });
    await ws.branches.create('both');
    const opened = await Workspace.open(path, { branch: 'both' });
    expect(opened.readOnly).toBe(false);
    expect(opened.head).toBe(c2);
  });

  it('a workspace in a repository with a checkout leaves its tags to git: git tag -l agrees', async () => {
    const dir = cliRepoWithCheckout();
    const ws = await open(dir, { branch: 'data', orphan: true });
    await page('p').save({ commit: true, message: 'p' });
    await ws.tags.create('data-v1', { message: 'data release' });
    expect(git(dir, 'tag', '-l', '-n1').trim()).toMatch(/^data-v1\s+data release$/);
    expect(git(dir, '--no-optional-locks', 'status', '--porcelain')).toBe('');
  });
});
