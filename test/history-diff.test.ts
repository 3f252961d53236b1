// Black-box tests of field-level diffs (Page.diff), object-level diffs between revisions
// (ws.diff(from, to)) and blame, checked against git diff and git blame on the same repository.
import { describe, expect, it } from 'vitest';
import { NotFoundError, Ref, RefNotFoundError, UnsafeIdError } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';
import { caught, CliHistory, Clock, lines, open, page, pageJson } from './history-helpers.js';

/** `git diff` of one file from its `---` line on (the part jsdiff writes the same way). */
function gitDiffText(gitdir: string, from: string, to: string, path: string): string {
  const out = git(gitdir, 'diff', from, to, '--', path);
  return out.slice(out.indexOf('--- '));
}

describe('Page.diff', () => {
  it('lists changed fields with typed values (Dates as Dates) and a unified diff of the data file equal to git diff', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const c1 = await page('a', 'Old title', { tags: ['x'], updatedAt: new Date('2026-01-01T00:00:00Z') }).save({
      commit: true,
      message: 'create',
      author: clock.next(),
    });
    const a = await Page.get('a');
    a.title = 'New title';
    a.tags = ['x', 'y'];
    a.updatedAt = new Date('2026-02-01T12:30:00Z');
    const c2 = await a.save({ commit: true, message: 'edit', author: clock.next() });

    const diff = await Page.diff('a', c1!, c2!);
    expect(diff.status).toBe('modified');
    expect(diff.id).toBe('a');
    expect(diff.changes.map((c) => c.field)).toEqual(['title', 'tags', 'updatedAt']);
    expect(diff.changes[0]).toEqual({ field: 'title', from: 'Old title', to: 'New title' });
    expect(diff.changes[1]).toEqual({ field: 'tags', from: ['x'], to: ['x', 'y'] });
    expect(diff.changes[2].from).toBeInstanceOf(Date);
    expect(diff.changes[2].to).toBeInstanceOf(Date);
    expect((diff.changes[2].from as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect((diff.changes[2].to as Date).toISOString()).toBe('2026-02-01T12:30:00.000Z');
    expect(diff.before).toBeInstanceOf(Page);
    expect(diff.before!.title).toBe('Old title');
    expect(diff.after!.title).toBe('New title');
    expect(diff.text).toBe(gitDiffText(path, c1!, c2!, 'page/a/data.json'));
    expect(diff.text).toContain('-  "title": "Old title",\n+  "title": "New title",\n');
    // revisions by name, and the other way round
    const back = await Page.diff('a', 'HEAD', 'HEAD~1');
    expect(back.changes[0]).toEqual({ field: 'title', from: 'New title', to: 'Old title' });
    expect(back.text).toBe(gitDiffText(path, 'main', 'main~1', 'page/a/data.json'));
  });

  it('reports a created and a deleted object as such, with git diff\'s /dev/null headers', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const c1 = await page('other').save({ commit: true, message: 'other', author: clock.next() });
    const c2 = await page('a', 'Hello', { tags: ['t'] }).save({ commit: true, message: 'create a', author: clock.next() });
    const c3 = await Page.delete('a', { commit: true, message: 'delete a', author: clock.next() });

    const created = await Page.diff('a', c1!, c2!);
    expect(created.status).toBe('created');
    expect(created.before).toBeNull();
    expect(created.after!.title).toBe('Hello');
    expect(created.changes).toEqual([
      { field: 'slug', from: undefined, to: 'a' },
      { field: 'title', from: undefined, to: 'Hello' },
      { field: 'content', from: undefined, to: '' },
      { field: 'published', from: undefined, to: true },
      { field: 'tags', from: undefined, to: ['t'] },
    ]);
    expect(created.text.startsWith('--- /dev/null\n+++ b/page/a/data.json\n')).toBe(true);
    expect(created.text).toBe(gitDiffText(path, c1!, c2!, 'page/a/data.json'));

    const deleted = await Page.diff('a', c2!, c3!);
    expect(deleted.status).toBe('deleted');
    expect(deleted.after).toBeNull();
    expect(deleted.changes.map((c) => [c.field, c.to])).toEqual([['slug', undefined], ['title', undefined], ['content', undefined], ['published', undefined], ['tags', undefined]]);
    expect(deleted.text).toBe(gitDiffText(path, c2!, c3!, 'page/a/data.json'));
    expectFsckClean(path);
  });

  it('is unchanged, with no field changes and no text, when the data file is the same', async () => {
    const path = newRepoPath();
    await open(path);
    const c1 = await page('a').save({ commit: true, message: 'a' });
    const c2 = await page('b').save({ commit: true, message: 'b' });
    expect(await Page.diff('a', c1!, c2!)).toMatchObject({ status: 'unchanged', changes: [], text: '' });
    expect(git(path, 'diff', c1!, c2!, '--', 'page/a/data.json')).toBe('');
  });

  it('compares blob fields by their bytes and references by the id they hold', async () => {
    const path = newRepoPath();
    await open(path);
    const ada = new Author({ handle: 'ada', name: 'Ada', email: 'ada@example.com' });
    const bob = new Author({ handle: 'bob', name: 'Bob', email: 'bob@example.com' });
    await ada.save();
    await bob.save();
    const a = page('a', 'A', { cover: new Uint8Array([1, 2, 3]), author: Ref.to(ada) });
    const c1 = await a.save({ commit: true, message: 'a' });
    const loaded = await Page.get('a');
    loaded.cover = new Uint8Array([1, 2, 3, 4]);
    const c2 = await loaded.save({ commit: true, message: 'new cover' });
    const again = await Page.get('a');
    again.author = Ref.to(bob);
    const c3 = await again.save({ commit: true, message: 'new author' });

    const cover = await Page.diff('a', c1!, c2!);
    expect(cover.changes.map((c) => c.field)).toEqual(['cover']);
    expect(cover.changes[0].from).toEqual(new Uint8Array([1, 2, 3]));
    expect(cover.changes[0].to).toEqual(new Uint8Array([1, 2, 3, 4]));
    const author = await Page.diff('a', c2!, c3!);
    expect(author.changes.map((c) => c.field)).toEqual(['author']);
    expect((author.changes[0].from as Ref<Author>).id).toBe('ada');
    expect((author.changes[0].to as Ref<Author>).id).toBe('bob');
    expect((await (author.changes[0].to as Ref<Author>).load()).name).toBe('Bob');
  });

  it('throws NotFoundError when the object is in neither revision, RefNotFoundError for an unknown one, UnsafeIdError for a bad id; nothing changes', async () => {
    const path = newRepoPath();
    await open(path);
    await page('a').save({ commit: true, message: 'a' });
    await page('b').save({ commit: true, message: 'b' });
    const before = snapshot(path);
    const none = await caught(Page.diff('ghost', 'HEAD~1', 'HEAD'));
    expect(none).toBeInstanceOf(NotFoundError);
    expect(none.data).toMatchObject({ model: 'page', id: 'ghost' });
    const bad = await caught(Page.diff('a', 'HEAD~5', 'HEAD'));
    expect(bad).toBeInstanceOf(RefNotFoundError);
    expect(await caught(Page.diff('a/b', 'HEAD~1', 'HEAD'))).toBeInstanceOf(UnsafeIdError);
    expect(snapshot(path)).toEqual(before);
  });
});

describe('ws.diff(from, to)', () => {
  it('lists the objects added, modified and deleted between two revisions, as git diff --name-status', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    const ws = await open(path);
    await page('keep').save();
    await page('edit').save();
    await page('drop').save();
    await new Author({ handle: 'ada', name: 'Ada', email: 'ada@example.com' }).save();
    const c1 = await ws.commit({ message: 'c1', author: clock.next() });
    const edit = await Page.get('edit');
    edit.title = 'edited';
    await edit.save();
    await Page.delete('drop');
    await page('new', 'New', { cover: new Uint8Array([9]) }).save();
    const ada = await Author.get('ada');
    ada.name = 'Ada L.';
    await ada.save();
    const c2 = await ws.commit({ message: 'c2', author: clock.next() });

    const diff = await ws.diff(c1!, c2!);
    expect(diff).toEqual([
      { model: 'author', id: 'ada', status: 'modified', paths: ['author/ada/data.json'] },
      { model: 'page', id: 'drop', status: 'deleted', paths: ['page/drop/data.json'] },
      { model: 'page', id: 'edit', status: 'modified', paths: ['page/edit/data.json'] },
      { model: 'page', id: 'new', status: 'added', paths: ['page/new/cover', 'page/new/data.json'] },
    ]);
    const nameStatus = lines(git(path, 'diff', '--name-status', c1!, c2!)).map((l) => l.split('\t'));
    expect(nameStatus).toEqual(diff.flatMap((d) => d.paths.map((p) => [d.status[0].toUpperCase(), p])));
    // the other way round, by revision names
    expect((await ws.diff('HEAD', 'HEAD~1')).map((d) => [d.id, d.status])).toEqual([
      ['ada', 'modified'],
      ['drop', 'added'],
      ['edit', 'modified'],
      ['new', 'deleted'],
    ]);
    expect(await ws.diff('HEAD', 'HEAD')).toEqual([]);
    // one revision: against what is staged
    await Page.delete('keep');
    expect((await ws.diff('HEAD~1')).map((d) => [d.id, d.status])).toEqual([
      ['ada', 'modified'],
      ['drop', 'deleted'],
      ['edit', 'modified'],
      ['keep', 'deleted'],
      ['new', 'added'],
    ]);
    // no arguments: staged against the head, as before
    expect(await ws.diff()).toEqual([{ model: 'page', id: 'keep', status: 'deleted', paths: ['page/keep/data.json'] }]);
  });

  it('reports files outside every model with model and id null', async () => {
    const path = newRepoPath();
    await open(path);
    const cli = new CliHistory(path);
    const c1 = cli.commit([], { 'page/a/data.json': pageJson('a', 'A') }, 'c1');
    const c2 = cli.commit([c1], { 'README.md': 'hello\n' }, 'c2');
    cli.branch('main', c2);
    const ws = await open(path);
    expect(await ws.diff(c1, c2)).toEqual([{ model: null, id: null, status: 'added', paths: ['README.md'] }]);
  });

  it('throws RefNotFoundError for an unknown revision', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a').save({ commit: true, message: 'a' });
    const before = snapshot(path);
    expect(await caught(ws.diff('HEAD', 'nope'))).toBeInstanceOf(RefNotFoundError);
    expect(snapshot(path)).toEqual(before);
  });
});

/** Field → commit, from `git blame --porcelain` of a data file, for fields written on one line. */
function gitBlame(gitdir: string, rev: string, path: string): Map<string, string> {
  const result = new Map<string, string>();
  let commit = '';
  for (const line of git(gitdir, 'blame', '--porcelain', rev, '--', path).split('\n')) {
    const header = /^([0-9a-f]{40}) \d+ \d+/.exec(line);
    if (header) commit = header[1];
    const field = /^\t {2}"(\w+)": [^[{]/.exec(line);
    if (field) result.set(field[1], commit);
  }
  return result;
}

describe('Page.blame', () => {
  it('names for each field the commit that last changed it, as git blame does line by line', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    const c1 = await page('a', 'T1', { content: 'C1' }).save({ commit: true, message: 'create', author: clock.next() });
    const a = await Page.get('a');
    a.title = 'T2';
    const c2 = await a.save({ commit: true, message: 'title', author: clock.next() });
    a.content = 'C2';
    const c3 = await a.save({ commit: true, message: 'content', author: clock.next() });
    a.title = 'T3';
    a.published = false;
    const c4 = await a.save({ commit: true, message: 'title and published', author: clock.next() });
    a.content = 'C3';
    a.content = 'C2'; // saved unchanged: no commit
    expect(await a.save({ commit: true, message: 'nothing', author: clock.next() })).toBeNull();

    const blame = await Page.blame('a');
    expect(blame.map((b) => b.field)).toEqual(['slug', 'title', 'content', 'published', 'tags', 'updatedAt', 'author', 'cover']);
    const by = new Map(blame.map((b) => [b.field, b]));
    expect(by.get('slug')!.commit.oid).toBe(c1);
    expect(by.get('title')!.commit.oid).toBe(c4);
    expect(by.get('title')!.value).toBe('T3');
    expect(by.get('content')!.commit.oid).toBe(c3);
    expect(by.get('published')!.commit.oid).toBe(c4);
    expect(by.get('published')!.value).toBe(false);
    expect(by.get('tags')!.commit.oid).toBe(c1);
    expect(by.get('cover')!.value).toBeUndefined();
    const lineBlame = gitBlame(path, 'main', 'page/a/data.json');
    expect([...lineBlame.keys()]).toEqual(['slug', 'title', 'content', 'published']);
    for (const [field, commit] of lineBlame) expect([field, by.get(field)!.commit.oid]).toEqual([field, commit]);
    // at an older revision
    const older = new Map((await Page.blame('a', { at: c2! })).map((b) => [b.field, b.commit.oid]));
    expect(older.get('title')).toBe(c2);
    expect(older.get('content')).toBe(c1);
  });

  it('attributes every field to a re-creation, and the id field to a move', async () => {
    const path = newRepoPath();
    const clock = new Clock();
    await open(path);
    await page('a', 'Same').save({ commit: true, message: 'create', author: clock.next() });
    await Page.delete('a', { commit: true, message: 'delete', author: clock.next() });
    const c3 = await page('a', 'Same').save({ commit: true, message: 're-create', author: clock.next() });
    expect(new Set((await Page.blame('a')).map((b) => b.commit.oid))).toEqual(new Set([c3]));

    const c4 = await page('m', 'Mover', { content: 'x' }).save({ commit: true, message: 'create m', author: clock.next() });
    const m = await Page.get('m');
    m.slug = 'moved';
    const c5 = await m.save({ commit: true, message: 'move', author: clock.next() });
    const blame = new Map((await Page.blame('moved')).map((b) => [b.field, b.commit.oid]));
    expect(blame.get('slug')).toBe(c5);
    expect(blame.get('title')).toBe(c4);
    expect(blame.get('content')).toBe(c4);
  });

  it('throws NotFoundError for an object that does not exist at the revision; nothing changes', async () => {
    const path = newRepoPath();
    await open(path);
    expect(await caught(Page.blame('a'))).toBeInstanceOf(NotFoundError); // unborn branch
    await page('a').save({ commit: true, message: 'a' });
    await Page.delete('a', { commit: true, message: 'delete' });
    const before = snapshot(path);
    const err = await caught(Page.blame('a'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.data).toMatchObject({ model: 'page', id: 'a' });
    expect((await Page.blame('a', { at: 'HEAD~1' })).length).toBe(8);
    expect(snapshot(path)).toEqual(before);
  });
});
