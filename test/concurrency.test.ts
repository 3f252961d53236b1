// Two writers on one branch in one process (workspaces, the git CLI): a commit whose branch moved
// goes on top of the other commits when they changed other objects, and is refused with a
// ConflictError, changing nothing, when they changed one of the same objects. Lock files left by
// writers that died are reported and cleared only when stale.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, Field, Model, RefLockedError, Workspace } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, gitWith, newRepoPath, snapshot } from './helpers.js';
import { caught, CliHistory } from './history-helpers.js';

/** A model without a folder per object: its root is the data file. */
@Model({ path: '{model}/{id}.json' })
class Memo extends Model {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

/** Two workspaces on one repository whose main has pages a and b; `ours` is bound last. */
async function twoWriters(): Promise<{ ours: Workspace; theirs: Workspace; path: string; base: string }> {
  const path = newRepoPath();
  const theirs = await Workspace.open(path);
  theirs.register(Page, Author, Memo);
  await new Page({ slug: 'a', title: 'A', cover: new Uint8Array([1]) }).save();
  await new Page({ slug: 'b', title: 'B' }).save();
  await new Memo({ name: 'm', text: 'memo' }).save();
  const base = (await theirs.commit({ message: 'base' }))!;
  const ours = await Workspace.open(path);
  return { ours, theirs, path, base };
}

/** Runs `step` with the model classes bound to `ws`. */
async function as<T>(ws: Workspace, step: () => Promise<T>): Promise<T> {
  ws.register(Page, Author, Memo);
  return step();
}

async function edit(slug: string, change: Partial<Page>, options?: { commit: true }): Promise<string | null> {
  const page = await Page.get(slug);
  Object.assign(page, change);
  return page.save(options);
}

/** A commit by the git CLI on main that writes one file. */
function cliCommit(path: string, file: string, content: string): string {
  const main = git(path, 'rev-parse', 'main').trim();
  const commit = new CliHistory(path).commit([main], { [file]: content }, `cli: ${file}`);
  git(path, 'update-ref', 'refs/heads/main', commit, main);
  return commit;
}

/** Rejects with a ConflictError and leaves the repository (byte for byte) and the workspace as they were. */
async function expectConflict(ws: Workspace, path: string, commit: () => Promise<unknown>): Promise<ConflictError> {
  const disk = snapshot(path);
  const diff = await ws.diff();
  const head = ws.head;
  const error = await caught(commit);
  expect(error).toBeInstanceOf(ConflictError);
  expect(error.code).toBe('CONFLICT');
  expect(error.message).toMatch(/ws\.discard\(\)/);
  expect(snapshot(path)).toEqual(disk);
  expect(await ws.diff()).toEqual(diff);
  expect(ws.hasChanges()).toBe(true);
  expect(ws.head).toBe(head);
  return error;
}

describe('a commit on a branch another writer moved', () => {
  it('other objects changed: re-applied on the new head, linear history, reads see both', async () => {
    const { ours, theirs, path, base } = await twoWriters();
    await as(ours, () => edit('a', { title: 'A ours' }));
    await as(ours, () => Page.delete('b'));
    await as(ours, () => new Page({ slug: 'n', title: 'N' }).save());
    const theirCommit = await as(theirs, async () => {
      await new Page({ slug: 't', title: 'T' }).save();
      const memo = await Memo.get('m');
      memo.text = 'theirs';
      await memo.save();
      return theirs.commit({ message: 'theirs' });
    });
    const mine = await as(ours, () => ours.commit({ message: 'ours' }));
    expect(git(path, 'rev-list', '--parents', '-n', '1', 'main').trim()).toBe(`${mine} ${theirCommit}`);
    expect(git(path, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['ours', 'theirs', 'base']);
    expect(git(path, 'rev-list', '--merges', 'main').trim()).toBe('');
    expect(git(path, 'diff-tree', '--no-commit-id', '--name-status', '-r', base, 'main').trim().split('\n')).toEqual([
      'M\tmemo/m.json',
      'M\tpage/a/data.json',
      'D\tpage/b/data.json',
      'A\tpage/n/data.json',
      'A\tpage/t/data.json',
    ]);
    // our workspace reads from the new head
    expect(ours.head).toBe(mine);
    expect(ours.hasChanges()).toBe(false);
    expect((await Page.get('t')).title).toBe('T');
    expect((await Memo.get('m')).text).toBe('theirs');
    expect([...(await Page.get('a')).cover!]).toEqual([1]);
    expectFsckClean(path);
  });

  it('a git CLI commit to a file outside every model is kept under ours', async () => {
    const { ours, path } = await twoWriters();
    await as(ours, () => edit('a', { title: 'A ours' }));
    const cli = cliCommit(path, 'notes/readme.txt', 'hello\n');
    const mine = await ours.commit({ message: 'ours' });
    expect(git(path, 'rev-parse', 'main^').trim()).toBe(cli);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(mine);
    expect(git(path, 'show', 'main:notes/readme.txt')).toBe('hello\n');
    expectFsckClean(path);
  });

  it('the same object changed on both sides: ConflictError naming it, nothing written, staged changes kept; retry after discard', async () => {
    const { ours, theirs, path, base } = await twoWriters();
    await as(ours, () => edit('a', { title: 'A ours' }));
    await as(ours, () => new Page({ slug: 'n', title: 'N' }).save());
    const theirCommit = (await as(theirs, () => edit('a', { title: 'A theirs' }, { commit: true })))!;
    ours.register(Page, Author, Memo);
    const error = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(error.data).toEqual({
      branch: 'main',
      expected: base,
      actual: theirCommit,
      objects: [{ model: 'page', id: 'a', paths: ['page/a/data.json'] }],
    });
    // as the message says: discard, read again, change, save
    await ours.discard();
    expect(ours.head).toBe(theirCommit);
    expect((await Page.get('a')).title).toBe('A theirs');
    const retried = await edit('a', { title: 'A ours, on theirs' }, { commit: true });
    expect(git(path, 'rev-parse', 'main^').trim()).toBe(theirCommit);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(retried);
    expectFsckClean(path);
  });

  it('an object is its whole folder: a blob file on one side and the data file on the other conflict', async () => {
    const { ours, theirs, path } = await twoWriters();
    await as(ours, () => edit('a', { cover: new Uint8Array([2, 2]) }));
    await as(theirs, () => edit('a', { published: false }, { commit: true }));
    ours.register(Page, Author, Memo);
    const error = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(error.data.objects).toEqual([{ model: 'page', id: 'a', paths: ['page/a/cover', 'page/a/data.json'] }]);
  });

  it('both sides creating the same new id conflict (the duplicate check across writers)', async () => {
    const { ours, theirs, path } = await twoWriters();
    await as(ours, () => new Page({ slug: 'same', title: 'ours' }).save());
    await as(theirs, () => new Page({ slug: 'same', title: 'theirs' }).save({ commit: true }));
    ours.register(Page, Author, Memo);
    const error = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(error.data.objects).toEqual([{ model: 'page', id: 'same', paths: ['page/same/data.json'] }]);
  });

  it('a deletion or a move against a change of the same object conflicts; so do two changes to the same value', async () => {
    const { ours, theirs, path } = await twoWriters();
    await as(ours, async () => {
      const b = await Page.get('b');
      b.slug = 'b-moved';
      await b.save();
      const memo = await Memo.get('m');
      memo.text = 'same text';
      await memo.save();
    });
    await as(theirs, async () => {
      await edit('b', { title: 'B theirs' });
      const memo = await Memo.get('m');
      memo.text = 'same text';
      await memo.save();
      await theirs.commit({ message: 'theirs' });
    });
    ours.register(Page, Author, Memo);
    const error = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(error.data.objects).toEqual([
      { model: 'memo', id: 'm', paths: ['memo/m.json'] },
      { model: 'page', id: 'b', paths: ['page/b/data.json'] },
    ]);
    expect(error.message).toMatch(/memo "m", page "b"/);
  });

  it("a file the CLI wrote inside an object's folder, or where its folder is, conflicts with a change of that object", async () => {
    const { ours, path } = await twoWriters();
    ours.register(Page, Author, Memo);
    await edit('a', { title: 'A ours' });
    cliCommit(path, 'page/a/notes.txt', 'a note\n');
    const inFolder = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(inFolder.data.objects).toEqual([{ model: 'page', id: 'a', paths: ['page/a/data.json', 'page/a/notes.txt'] }]);

    // the CLI replaces the whole page folder with a file: our new page would go where a file is
    await ours.discard();
    await new Page({ slug: 'new', title: 'New' }).save();
    const blob = gitWith(path, { input: 'x' }, 'hash-object', '-w', '--stdin').trim();
    const withFile = gitWith(path, { input: `100644 blob ${blob}\tpage\n` }, 'mktree').trim();
    const commit = git(path, 'commit-tree', withFile, '-p', 'main', '-m', 'page is a file now').trim();
    git(path, 'update-ref', 'refs/heads/main', commit, git(path, 'rev-parse', 'main').trim());
    const underFile = await expectConflict(ours, path, () => ours.commit({ message: 'ours' }));
    expect(underFile.data.objects).toContainEqual({ model: 'page', id: 'new', paths: ['page/new/data.json'] });
    expect(underFile.data.objects).toContainEqual({ model: null, id: null, paths: ['page'] });
    expectFsckClean(path);
  });
});

describe('ref lock files', () => {
  /** Creates a lock file `age` milliseconds old. */
  function lock(path: string, name: string, ageMs: number): void {
    const file = join(path, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
    const when = new Date(Date.now() - ageMs);
    utimesSync(file, when, when);
  }

  it('a stale lock (over 10 s old) is reported at once as REF_LOCKED with stale: true, changing nothing', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Page, Author);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    await new Page({ slug: 'c', title: 'C' }).save({ commit: true });
    await new Page({ slug: 'b', title: 'B' }).save();
    lock(path, 'refs/heads/main.lock', 60_000);
    const disk = snapshot(path);
    const diff = await ws.diff();
    const error = await caught(() => ws.commit({ message: 'b' }));
    expect(error).toBeInstanceOf(RefLockedError);
    expect(error.code).toBe('REF_LOCKED');
    expect(error.data).toEqual({ ref: 'refs/heads/main', lock: join(path, 'refs/heads/main.lock'), ageMs: expect.any(Number), stale: true });
    expect(error.data.ageMs).toBeGreaterThanOrEqual(60_000);
    expect(error.message).toMatch(/clearStaleLocks/);
    // the commit's objects are written before the ref is locked: only they are new, and unreferenced
    const added = [...snapshot(path).keys()].filter((f) => !disk.has(f));
    expect(added.every((f) => f.startsWith('objects/'))).toBe(true);
    expect(await ws.diff()).toEqual(diff);
    // a ref move that writes no objects leaves the repository byte for byte as it was
    await ws.discard();
    const before = snapshot(path);
    const undo = await caught(() => ws.undo());
    expect(undo).toBeInstanceOf(RefLockedError);
    expect(undo.data.stale).toBe(true);
    expect(snapshot(path)).toEqual(before);
    expectFsckClean(path);
  });

  it('clearStaleLocks removes only ref locks older than the threshold; then commits work again', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path);
    ws.register(Page, Author);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    for (const name of ['refs/heads/main.lock', 'refs/tags/v1.lock', 'refs/gitmodel/redo/main.lock', 'packed-refs.lock']) lock(path, name, 30_000);
    lock(path, 'refs/heads/busy.lock', 0); // a live writer's
    lock(path, 'config.lock', 30_000); // not a ref's: git's business
    lock(path, 'HEAD.lock', 30_000);
    expect((await ws.clearStaleLocks()).sort()).toEqual(['packed-refs.lock', 'refs/gitmodel/redo/main.lock', 'refs/heads/main.lock', 'refs/tags/v1.lock']);
    const left = [...snapshot(path).keys()].filter((f) => f.endsWith('.lock')).sort();
    expect(left).toEqual(['HEAD.lock', 'config.lock', 'refs/heads/busy.lock']);
    expect(await ws.clearStaleLocks()).toEqual([]);
    expect(await new Page({ slug: 'b', title: 'B' }).save({ commit: true })).toMatch(/^[0-9a-f]{40}$/);
    expect(await ws.clearStaleLocks({ olderThanMs: 0 })).toEqual(['refs/heads/busy.lock']);
  });
});
