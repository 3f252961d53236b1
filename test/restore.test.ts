// Black-box tests of restore (an object, a model's objects or everything, as it was at a commit,
// tag or checkpoint, staged as a new change) and of undo/redo of a branch's last commits, checked
// against git rev-parse, log, for-each-ref and fsck: history is never rewritten.
import { describe, expect, it } from 'vitest';
import {
  Field,
  Model,
  NothingToRedoError,
  NothingToUndoError,
  RefNotFoundError,
  StaleBranchError,
  StagedChangesError,
  UnsafeIdError,
  Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught, Clock, gitLog, lines, open, page, rev } from './history-helpers.js';

@Model({ shard: 1 })
class Note extends Model {
  @Field({ id: true }) key!: string;
  @Field() text!: string;
}

/** main: c1 (a: v1, b), c2 (a: v2 with a cover, ada), c3 (a: v3, b deleted, c added). */
async function threeCommits(path: string) {
  const clock = new Clock();
  const ws = await open(path);
  const c1 = (await (async () => {
    await page('a', 'v1').save();
    await page('b', 'B').save();
    return ws.commit({ message: 'c1', author: clock.next() });
  })())!;
  const a = await Page.get('a');
  a.title = 'v2';
  a.cover = new Uint8Array([1, 2, 3]);
  await a.save();
  await new Author({ handle: 'ada', name: 'Ada', email: 'ada@example.com' }).save();
  const c2 = (await ws.commit({ message: 'c2', author: clock.next() }))!;
  a.title = 'v3';
  a.cover = null;
  await a.save();
  await Page.delete('b');
  await page('c', 'C').save();
  const ada = await Author.get('ada');
  ada.name = 'Ada L.';
  await ada.save();
  const c3 = (await ws.commit({ message: 'c3', author: clock.next() }))!;
  return { ws, c1, c2, c3, clock };
}

describe('restore', () => {
  it('Page.restore stages one object exactly as it was (its files too) as a new change; committing keeps all history', async () => {
    const path = newRepoPath();
    const { ws, c1, c2, c3 } = await threeCommits(path);
    expect(await Page.restore('a', { from: c2 })).toBeNull();
    expect(ws.hasChanges()).toBe(true);
    expect(await ws.diff()).toEqual([{ model: 'page', id: 'a', status: 'modified', paths: ['page/a/cover', 'page/a/data.json'] }]);
    const a = await Page.get('a');
    expect(a.title).toBe('v2');
    expect(a.cover).toEqual(new Uint8Array([1, 2, 3]));
    expect(rev(path, 'main')).toBe(c3); // staged only
    const c4 = await ws.commit({ message: 'restore a' });
    expect(gitLog(path, 'main')).toEqual([c4, c3, c2, c1]);
    expect(rev(path, `${c4}:page/a`)).toBe(rev(path, `${c2}:page/a`)); // the same files, the same oids
    expect(git(path, 'diff', c2, c4!, '--', 'page/a')).toBe('');
    expect((await Page.history('a')).map((v) => v.object!.title)).toEqual(['v2', 'v3', 'v2', 'v1']);
    expectFsckClean(path);
  });

  it('stages a deletion when the object did not exist then, and a re-creation of a deleted one; commit: true commits', async () => {
    const path = newRepoPath();
    const { ws, c1, c3 } = await threeCommits(path);
    const restored = await Page.restore('b', { from: c1, commit: true, message: 'bring b back' });
    expect(restored).toBe(rev(path, 'main'));
    expect(git(path, 'log', '-1', '--format=%s%n%P', 'main')).toBe(`bring b back\n${c3}\n`);
    expect((await Page.get('b')).title).toBe('B');
    await Page.restore('c', { from: c1 });
    expect(await ws.diff()).toEqual([{ model: 'page', id: 'c', status: 'deleted', paths: ['page/c/data.json'] }]);
    expect(await Page.exists('c')).toBe(false);
    // restoring an object to how it is changes nothing
    await ws.discard();
    await Page.restore('a', { from: 'HEAD' });
    expect(ws.hasChanges()).toBe(false);
    // the default message names the object
    await Page.restore('c', { from: c1, commit: true });
    expect(git(path, 'log', '-1', '--format=%s', 'main')).toBe('Restore page c\n');
    expectFsckClean(path);
  });

  it('restores from a tag and from a checkpoint', async () => {
    const path = newRepoPath();
    const { ws, c1 } = await threeCommits(path);
    await ws.tags.create('v1', { at: c1 });
    await Page.restore('a', { from: 'v1' });
    expect((await Page.get('a')).title).toBe('v1');
    const a = await Page.get('a');
    a.title = 'draft title';
    await a.save();
    await ws.checkpoints.create('draft');
    await ws.discard();
    await Page.restore('a', { from: 'draft' });
    expect((await Page.get('a')).title).toBe('draft title');
  });

  it('ws.restore puts one model\'s objects, or everything, back as they were; it returns what it staged', async () => {
    const path = newRepoPath();
    const { ws, c1, c2 } = await threeCommits(path);
    const pages = await ws.restore({ from: c1, model: Page });
    expect(pages.map((c) => [c.model, c.id, c.status])).toEqual([
      ['page', 'a', 'modified'],
      ['page', 'b', 'added'],
      ['page', 'c', 'deleted'],
    ]);
    expect((await Page.all()).map((p) => `${p.slug}:${p.title}`)).toEqual(['a:v1', 'b:B']);
    expect((await Author.get('ada')).name).toBe('Ada L.'); // other models untouched
    await ws.commit({ message: 'pages as of c1' });
    expect(git(path, 'diff', '--name-only', c1, 'main', '--', 'page')).toBe('');

    const all = await ws.restore({ from: c2 });
    expect(all.map((c) => [c.model, c.id, c.status])).toEqual([
      ['author', 'ada', 'modified'],
      ['page', 'a', 'modified'],
    ]);
    const c5 = await ws.commit({ message: 'everything as of c2' });
    expect(rev(path, `${c5}^{tree}`)).toBe(rev(path, `${c2}^{tree}`));
    expect(await ws.restore({ from: 'HEAD', model: 'author' })).toEqual([]);
    expectFsckClean(path);
  });

  it('restores a sharded model\'s objects (and walks them) by the model\'s folder', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    const ws = await Workspace.open(path);
    ws.register(Note, Page);
    await new Note({ key: 'n1', text: 'one' }).save();
    await new Note({ key: 'n2', text: 'two' }).save();
    await page('p').save();
    const c1 = await ws.commit({ message: 'notes', author: clock.next() });
    const n1 = await Note.get('n1');
    n1.text = 'changed';
    await n1.save();
    await Note.delete('n2');
    await page('q').save();
    const c2 = await ws.commit({ message: 'change notes', author: clock.next() });
    expect(lines(git(path, 'ls-tree', '-r', '--name-only', c1!)).filter((p) => p.startsWith('note/'))).toHaveLength(2);
    const restored = await ws.restore({ from: c1!, model: Note });
    expect(restored.map((c) => `${c.id} ${c.status}`).sort()).toEqual(['n1 modified', 'n2 added']);
    expect(restored.flatMap((c) => c.paths).every((p) => /^note\/[0-9a-f]\/n[12]\/data\.json$/.test(p))).toBe(true);
    expect((await Note.all()).map((n) => n.text)).toEqual(['one', 'two']);
    expect(await Page.exists('q')).toBe(true);
    const walked = [];
    for await (const c of ws.walk({ model: Note })) walked.push(c.oid);
    expect(walked).toEqual(gitLog(path, 'main', '--', 'note'));
    expect(walked).toEqual([c2, c1]);
    expect((await Note.history('n1')).map((v) => v.object!.text)).toEqual(['changed', 'one']);
  });

  it('refuses an unknown revision, an unsafe id and an id without a model, changing nothing', async () => {
    const path = newRepoPath();
    const { ws } = await threeCommits(path);
    await page('staged').save();
    const before = snapshot(path);
    const staged = await ws.diff();
    expect(await caught(Page.restore('a', { from: 'nope' }))).toBeInstanceOf(RefNotFoundError);
    expect(await caught(ws.restore({ from: 'HEAD~9' }))).toBeInstanceOf(RefNotFoundError);
    expect(await caught(Page.restore('../a', { from: 'HEAD' }))).toBeInstanceOf(UnsafeIdError);
    expect((await caught(ws.restore({ from: 'HEAD', id: 'a' }))).code).toBe('CONFIGURATION');
    expect(snapshot(path)).toEqual(before);
    expect(await ws.diff()).toEqual(staged);
  });
});

describe('undo and redo', () => {
  it('undo moves the branch back one commit, keeping the undone ones under refs/gitmodel/redo/; redo moves it forward again', async () => {
    const path = newRepoPath();
    const { ws, c1, c2, c3 } = await threeCommits(path);
    expect(await ws.undo()).toBe(c2);
    expect(rev(path, 'main')).toBe(c2);
    expect(ws.head).toBe(c2);
    expect(rev(path, 'refs/gitmodel/redo/main')).toBe(c3);
    expect((await Page.get('a')).title).toBe('v2');
    expect(await Page.exists('b')).toBe(true);
    expect(await ws.undo()).toBe(c1);
    expect(rev(path, 'refs/gitmodel/redo/main')).toBe(c3); // the stack: c3's first-parent line down to the head
    expect(gitLog(path, 'refs/gitmodel/redo/main', `^main`)).toEqual([c3, c2]);
    expect((await Page.get('a')).title).toBe('v1');
    expectFsckClean(path);

    expect(await ws.redo()).toBe(c2);
    expect(rev(path, 'main')).toBe(c2);
    expect((await Page.get('a')).title).toBe('v2');
    expect(await ws.redo()).toBe(c3);
    expect(rev(path, 'main')).toBe(c3);
    expect(lines(git(path, 'for-each-ref', '--format=%(refname)', 'refs/gitmodel/'))).toEqual([]); // stack empty: ref gone
    const err = await caught(ws.redo());
    expect(err).toBeInstanceOf(NothingToRedoError);
    expect(err.data).toEqual({ branch: 'main' });
    expect(gitLog(path, 'main')).toEqual([c3, c2, c1]);
    expectFsckClean(path);
  });

  it('a new commit after undo clears the redo stack', async () => {
    const path = newRepoPath();
    const { ws, c2, c3 } = await threeCommits(path);
    await ws.undo();
    await page('d').save();
    const c4 = await ws.commit({ message: 'new work' });
    expect(git(path, 'log', '-1', '--format=%P', 'main').trim()).toBe(c2);
    expect(lines(git(path, 'for-each-ref', 'refs/gitmodel/'))).toEqual([]);
    const before = snapshot(path);
    expect(await caught(ws.redo())).toBeInstanceOf(NothingToRedoError);
    expect(snapshot(path)).toEqual(before);
    // c3 is no longer referenced by anything gitmodel made; git's gc may collect it
    expect(gitLog(path, '--all')).not.toContain(c3);
    expect(rev(path, 'main')).toBe(c4);
  });

  it('redo refuses when the branch moved since the undo (a commit by the git CLI)', async () => {
    const path = newRepoPath();
    const { ws, c2 } = await threeCommits(path);
    await ws.undo();
    const cli = git(path, 'commit-tree', `${c2}^{tree}`, '-p', c2, '-m', 'from the CLI').trim();
    git(path, 'update-ref', 'refs/heads/main', cli, c2);
    const moved = await open(path);
    const before = snapshot(path);
    expect(await caught(moved.redo())).toBeInstanceOf(NothingToRedoError);
    // the workspace that undid has a stale head: its redo is a compare-and-swap failure, not forced
    expect(await caught(ws.redo())).toBeInstanceOf(StaleBranchError);
    expect(snapshot(path)).toEqual(before);
    // an undo by a workspace whose head is stale is a compare-and-swap failure
    const stale = await caught(ws.undo());
    expect(stale).toBeInstanceOf(StaleBranchError);
    expect(rev(path, 'main')).toBe(cli);
  });

  it('refuses with staged changes (StagedChangesError), and with nothing to undo, changing nothing', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const before0 = snapshot(path);
    expect(await caught(ws.undo())).toBeInstanceOf(NothingToUndoError); // unborn
    expect(snapshot(path)).toEqual(before0);
    const c1 = await page('a').save({ commit: true, message: 'a' });
    const root = await caught(ws.undo());
    expect(root).toBeInstanceOf(NothingToUndoError);
    expect(root.code).toBe('NOTHING_TO_UNDO');
    expect(root.data).toEqual({ branch: 'main' });
    await page('b').save({ commit: true, message: 'b' });
    await page('staged').save();
    const before = snapshot(path);
    const staged = await caught(ws.undo());
    expect(staged).toBeInstanceOf(StagedChangesError);
    expect(staged.data).toEqual({ branch: 'main', action: 'undo' });
    expect(await caught(ws.redo())).toBeInstanceOf(StagedChangesError);
    expect(snapshot(path)).toEqual(before);
    expect(await Page.exists('staged')).toBe(true);
    await ws.discard();
    expect(await ws.undo()).toBe(c1);
  });

  it('keeps one redo stack per branch, and deleting a branch drops its stack', async () => {
    const path = newRepoPath();
    const { ws, c2, c3 } = await threeCommits(path);
    await ws.branches.create('other');
    await ws.switch('other');
    expect(await ws.undo()).toBe(c2);
    await ws.switch('main');
    expect(rev(path, 'main')).toBe(c3);
    expect(await caught(ws.redo())).toBeInstanceOf(NothingToRedoError);
    expect(rev(path, 'refs/gitmodel/redo/other')).toBe(c3);
    await ws.branches.delete('other');
    expect(lines(git(path, 'for-each-ref', 'refs/gitmodel/'))).toEqual([]);
    expectFsckClean(path);
  });
});
