// Hostile and broken input, beyond the error catalogue of errors.test.ts: ids that collide on a
// case-insensitive disk, files where folders are expected and the reverse, data files naming
// models, an unreadable repository, bad branch, tag and revision names through every API, and
// files over the size limit. Each is a typed error that leaves the repository byte for byte, and
// the workspace index, as they were.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  CorruptObjectError,
  Field,
  FileTooLargeError,
  GitModelError,
  InvalidRefNameError,
  Model,
  NotFoundError,
  RefNotFoundError,
  RepositoryNotFoundError,
  UnknownModelError,
  UnsafeIdError,
  Workspace,
  type OpenOptions,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot, tempDir } from './helpers.js';
import { caught, CliHistory, pageJson } from './history-helpers.js';
import { finished, useWorkers } from './worker-build.js';

/** A model whose objects are files, not folders: its case twins are `Foo.json` and `foo.json`. */
@Model({ path: '{model}/{id}.json' })
class Memo extends Model {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

/** A model whose objects are folders at the top of the tree. */
@Model({ path: '{id}/data.json' })
class Top extends Model {
  @Field({ id: true }) name!: string;
}

async function open(path = newRepoPath(), options?: OpenOptions): Promise<{ ws: Workspace; path: string }> {
  const ws = await Workspace.open(path, options);
  ws.register(Page, Author, Memo);
  return { ws, path };
}

/** A bare repository made by the git CLI whose main has one commit with exactly these files. */
async function cliRepo(files: Record<string, string>): Promise<{ ws: Workspace; path: string }> {
  const path = newRepoPath();
  git(tempDir(), 'init', '-q', '--bare', '-b', 'main', path);
  git(path, 'update-ref', 'refs/heads/main', new CliHistory(path).commit([], files, 'made by the CLI'));
  return open(path, { create: false });
}

/** Runs a call that must throw a typed error, and checks that it changed nothing; returns the error. */
async function rejectsUnchanged(ws: Workspace, path: string, run: () => unknown): Promise<any> {
  const before = { disk: snapshot(path), diff: await ws.diff(), hasChanges: ws.hasChanges(), head: ws.head };
  const error = await caught(run);
  expect(error).toBeInstanceOf(GitModelError);
  expect({ disk: snapshot(path), diff: await ws.diff(), hasChanges: ws.hasChanges(), head: ws.head }).toEqual(before);
  return error;
}

describe('ids that collide on a case-insensitive disk, or have no UTF-8 form (UnsafeIdError)', () => {
  it('a new "Foo" beside a committed or staged "foo", in a folder layout and a file layout', async () => {
    const { ws, path } = await open();
    await new Page({ slug: 'foo', title: 'F' }).save({ commit: true });
    await new Page({ slug: 'staged', title: 'S' }).save();
    await new Memo({ name: 'note' }).save();
    for (const [run, id] of [
      [() => new Page({ slug: 'Foo', title: 'x' }).save(), 'Foo'],
      [() => new Page({ slug: 'FOO', title: 'x' }).save({ commit: true }), 'FOO'],
      [() => new Page({ slug: 'STAGED', title: 'x' }).save(), 'STAGED'],
      [() => new Memo({ name: 'Note' }).save(), 'Note'],
    ] as const) {
      const error = await rejectsUnchanged(ws, path, run);
      expect(error).toBeInstanceOf(UnsafeIdError);
      expect(error.data).toEqual({ model: expect.any(String), id, reason: expect.stringContaining('case-insensitive') });
    }
    expectFsckClean(path);
  });

  it('at the top of the tree too (a layout without a model folder)', async () => {
    const { ws, path } = await open();
    ws.register(Top);
    await new Top({ name: 'foo' }).save({ commit: true });
    const error = await rejectsUnchanged(ws, path, () => new Top({ name: 'FOO' }).save());
    expect(error).toBeInstanceOf(UnsafeIdError);
    expect((await Top.all()).map((t) => t.name)).toEqual(['foo']);
  });

  it('an NFC id beside a folder whose name is its NFD form (made by another tool); an NFD id itself', async () => {
    const nfd = 'cafe\u0301';
    const { ws, path } = await cliRepo({ [`memo/${nfd}.json`]: '{ "name": "decomposed" }\n' });
    const twin = await rejectsUnchanged(ws, path, () => new Memo({ name: 'caf\u00e9' }).save());
    expect(twin).toBeInstanceOf(UnsafeIdError);
    expect(twin.data.reason).toContain(`"${nfd}.json"`);
    const decomposed = await rejectsUnchanged(ws, path, () => new Memo({ name: nfd }).save());
    expect(decomposed).toBeInstanceOf(UnsafeIdError);
    expect(decomposed.data.reason).toMatch(/normalization form C/);
  });

  it('an id with a lone surrogate (no UTF-8 form: its folder would be named with U+FFFD)', async () => {
    const { ws, path } = await open();
    for (const id of ['a\ud800b', 'a\udc00', '\ud83d']) {
      for (const run of [() => new Memo({ name: id }).save(), () => Memo.get(id), () => Memo.delete(id)]) {
        const error = await rejectsUnchanged(ws, path, run);
        expect(error).toBeInstanceOf(UnsafeIdError);
        expect(error.data.reason).toMatch(/lone surrogate/);
      }
    }
    await new Memo({ name: 'a\ud83d\ude00' }).save({ commit: true }); // a surrogate pair is fine
    expect(git(path, 'ls-tree', '-z', '--name-only', 'main', 'memo/')).toBe('memo/a\u{1f600}.json\0');
  });

  it('renaming an object to another case of its own id is fine, and so is a new id once its twin is deleted', async () => {
    const { ws, path } = await open();
    await new Page({ slug: 'foo', title: 'F' }).save({ commit: true });
    const foo = await Page.get('foo');
    foo.slug = 'Foo';
    await foo.save({ commit: true });
    await Page.delete('Foo');
    await new Page({ slug: 'FOO', title: 'again' }).save();
    await new Page({ slug: 'foo-bar', title: 'no twin' }).save();
    await new Memo({ name: 'FOO' }).save(); // another folder
    await ws.commit({ message: 'twins in turn' });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual([
      'memo/FOO.json',
      'page/FOO/data.json',
      'page/foo-bar/data.json',
    ]);
    expectFsckClean(path);
  });
});

describe('a file where a folder is expected, and the reverse (CorruptObjectError)', () => {
  it('saving under "page" when page is a file', async () => {
    const { ws, path } = await cliRepo({ page: 'a file\n', 'other/x.txt': 'x\n' });
    const error = await rejectsUnchanged(ws, path, () => new Page({ slug: 'x', title: 'X' }).save());
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.data).toEqual({ path: 'page', reason: 'expected a folder, found a file' });
    expect(await caught(() => Page.get('x'))).toBeInstanceOf(NotFoundError);
  });

  it('saving an object whose data.json is a folder', async () => {
    const { ws, path } = await cliRepo({ 'page/x/data.json/inner.txt': 'x\n' });
    const error = await rejectsUnchanged(ws, path, () => new Page({ slug: 'x', title: 'X' }).save({ commit: true }));
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.data).toEqual({ path: 'page/x/data.json', reason: 'expected a file, found a directory' });
  });

  it('saving a blob field whose file is a folder; a move onto such a folder leaves the object where it was', async () => {
    const { ws, path } = await cliRepo({ 'page/x/cover/inner.txt': 'x\n', 'page/a/data.json': pageJson('a', 'A') });
    const cover = new Uint8Array([1, 2, 3]);
    const error = await rejectsUnchanged(ws, path, () => new Page({ slug: 'x', title: 'X', cover }).save());
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.data).toEqual({ path: 'page/x/cover', reason: 'expected a file, found a folder' });

    const a = await Page.get('a');
    a.cover = cover;
    a.slug = 'x'; // the old folder's removal is undone with the rejected write
    const move = await rejectsUnchanged(ws, path, () => a.save());
    expect(move).toBeInstanceOf(CorruptObjectError);
    expect((await Page.get('a')).title).toBe('A');
  });

  it('restoring a revision where a file was a folder (and the reverse) replaces one with the other', async () => {
    const { ws, path } = await cliRepo({ 'notes/a.txt': 'a\n', 'single/x.txt': 'x\n' });
    const cli = new CliHistory(path);
    const old = cli.commit([], { notes: 'notes were a file\n', single: 'single was a file\n' }, 'files');
    await ws.restore({ from: old });
    await ws.commit({ message: 'restored' });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['notes', 'single']);
    await ws.restore({ from: 'main~1' });
    await ws.commit({ message: 'and back' });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['notes/a.txt', 'single/x.txt']);
    expectFsckClean(path);
  });
});

describe('data files and models', () => {
  it('a data.json that names a model is read as data: the key is kept, never used to pick a class', async () => {
    const json = `${JSON.stringify({ slug: 'p', title: 'P', model: 'nosuchmodel', __type: 'Author' }, null, 2)}\n`;
    const { ws, path } = await cliRepo({ 'page/p/data.json': json, 'widget/w/data.json': '{"model": "widget"}\n' });
    const page = await Page.get('p');
    expect(page).toBeInstanceOf(Page);
    expect(Object.keys(page)).not.toContain('model');
    page.title = 'P2';
    await page.save({ commit: true });
    expect(JSON.parse(git(path, 'show', 'main:page/p/data.json'))).toMatchObject({ title: 'P2', model: 'nosuchmodel', __type: 'Author' });
    // a folder of a model nobody registered is a plain file to the workspace
    expect(await ws.diff('main~1', 'main')).toEqual([{ model: 'page', id: 'p', status: 'modified', paths: ['page/p/data.json'] }]);
    expect(await caught(() => ws.model('widget'))).toBeInstanceOf(UnknownModelError);
    const restore = await rejectsUnchanged(ws, path, () => ws.restore({ from: 'main~1', model: 'widget' }));
    expect(restore).toBeInstanceOf(UnknownModelError);
  });
});

describe('an unreadable repository (RepositoryNotFoundError)', () => {
  const workers = useWorkers();

  /** A repository with one committed page, in a folder any user may enter. */
  async function committedRepo(): Promise<string> {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const path = join(dir, 'data.git');
    await open(path);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    return path;
  }

  /** What Workspace.open does, in a worker, while `folder` may not be read. Root reads anything,
   *  so as root the worker runs as "nobody", for whom permissions apply. */
  async function openUnreadable(path: string, folder: string, create: boolean): Promise<any> {
    chmodSync(folder, 0o000);
    try {
      const run = await finished(workers.start('open-repo', [path, String(create)], process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}));
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.lines[0]);
    } finally {
      chmodSync(folder, 0o755);
    }
  }

  it('a repository folder without read permission: a typed error, with or without create, nothing written', async () => {
    const path = await committedRepo();
    const before = snapshot(path);
    for (const create of [true, false]) {
      const result = await openUnreadable(path, path, create);
      expect(result).toMatchObject({ typed: true, name: 'RepositoryNotFoundError', code: 'REPOSITORY_NOT_FOUND' });
      expect(result.data.path).toBe(path);
    }
    expect(snapshot(path)).toEqual(before);
  });

  it('unreadable objects: a typed error at open', async () => {
    const path = await committedRepo();
    const result = await openUnreadable(path, join(path, 'objects'), false);
    expect(result).toMatchObject({ typed: true, code: 'REPOSITORY_NOT_FOUND' });
  });
});

describe('bad branch, tag and checkpoint names through every API that takes one (InvalidRefNameError)', () => {
  const bad = ['', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', '.a', 'a/.b', 'a.lock', 'a/', '/a', 'a//b', 'a.', 'a@{b', '@', 'a\u0000b', 'a\nb', '../../escape'];
  const badBranch = [...bad, '-a', 'HEAD'];

  it('Workspace.open({ branch }) creates nothing', async () => {
    for (const name of badBranch) {
      const path = newRepoPath();
      const error = await caught(() => Workspace.open(path, { branch: name }));
      expect(error).toBeInstanceOf(InvalidRefNameError);
      expect(error.data).toEqual({ name, reason: expect.any(String) });
      expect(snapshot(join(path, '..'))).toEqual(new Map());
    }
  });

  it('switch, branches, tags and checkpoints change nothing', async () => {
    const { ws, path } = await open();
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    await new Page({ slug: 'b', title: 'B' }).save();
    const calls: [string[], (name: string) => unknown][] = [
      [badBranch, (name) => ws.switch(name)],
      [badBranch, (name) => ws.switch(name, { discard: true })],
      [badBranch, (name) => ws.branches.create(name)],
      [badBranch, (name) => ws.branches.delete(name)],
      [bad, (name) => ws.tags.create(name)],
      [bad, (name) => ws.tags.create(name, { message: 'annotated' })],
      [bad, (name) => ws.tags.delete(name)],
      [bad, (name) => ws.checkpoints.create(name)],
      [bad, (name) => ws.checkpoints.delete(name)],
    ];
    for (const [names, call] of calls) {
      for (const name of names) {
        const error = await rejectsUnchanged(ws, path, () => call(name));
        expect(error).toBeInstanceOf(InvalidRefNameError);
      }
    }
    expect(ws.branch).toBe('main');
  });

  it('revisions that name nothing, or try to climb out of refs/, are RefNotFoundError wherever a revision is taken', async () => {
    const { ws, path } = await open();
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    const revisions = ['../../config', 'refs/../config', '../HEAD', 'heads/../../config', 'main\u0000', '-n', ':/A', '@{-1}', 'main~99', 'nosuch', '0000'];
    const calls: ((rev: string) => unknown)[] = [
      (rev) => Page.get('a', { at: rev }),
      (rev) => Page.all({ at: rev }),
      (rev) => Page.diff('a', rev, 'HEAD'),
      (rev) => Page.restore('a', { from: rev }),
      (rev) => ws.diff(rev),
      (rev) => ws.restore({ from: rev }),
      (rev) => ws.walk({ at: rev }).next(),
      (rev) => ws.branches.create('x', { from: rev }),
      (rev) => ws.tags.create('t', { at: rev }),
    ];
    for (const call of calls) {
      for (const rev of revisions) {
        const error = await rejectsUnchanged(ws, path, () => call(rev));
        expect(error, `${rev}`).toBeInstanceOf(RefNotFoundError);
      }
    }
  });
});

describe('files over the size limit (FileTooLargeError)', () => {
  const LIMIT = 1024;

  it('a data file or a blob file over maxFileSize is refused and nothing is staged; at the limit is fine', async () => {
    const { ws, path } = await open(newRepoPath(), { maxFileSize: LIMIT });
    await new Page({ slug: 'a', title: 'A' }).save();
    const bigData = await rejectsUnchanged(ws, path, () => new Page({ slug: 'big', title: 'T', content: 'x'.repeat(LIMIT) }).save());
    expect(bigData).toBeInstanceOf(FileTooLargeError);
    expect(bigData.code).toBe('FILE_TOO_LARGE');
    expect(bigData.data).toEqual({ path: 'page/big/data.json', size: expect.any(Number), limit: LIMIT });
    expect(bigData.data.size).toBeGreaterThan(LIMIT);

    const bigBlob = await rejectsUnchanged(ws, path, () => new Page({ slug: 'b', title: 'B', cover: new Uint8Array(LIMIT + 1) }).save({ commit: true }));
    expect(bigBlob.data).toEqual({ path: 'page/b/cover', size: LIMIT + 1, limit: LIMIT });
    expect(await Page.exists('b')).toBe(false);

    await new Page({ slug: 'b', title: 'B', cover: new Uint8Array(LIMIT) }).save({ commit: true });
    expect(git(path, 'cat-file', '-s', 'main:page/b/cover').trim()).toBe(String(LIMIT));
  });

  it('restoring a file over the limit is refused too', async () => {
    const { ws, path } = await open(newRepoPath());
    await new Page({ slug: 'a', title: 'A', cover: new Uint8Array(4096) }).save({ commit: true });
    await Page.delete('a', { commit: true });
    const small = await Workspace.open(path, { maxFileSize: LIMIT });
    small.register(Page, Author, Memo);
    const error = await rejectsUnchanged(small, path, () => Page.restore('a', { from: 'main~1' }));
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect(error.data.path).toBe('page/a/cover');
    expect(ws.branch).toBe('main');
  });

  it('an unusable maxFileSize is a ConfigurationError and creates nothing', async () => {
    for (const maxFileSize of [0, -1, 1.5, NaN, '10' as unknown as number]) {
      const path = newRepoPath();
      expect(await caught(() => Workspace.open(path, { maxFileSize }))).toBeInstanceOf(ConfigurationError);
      expect(snapshot(join(path, '..'))).toEqual(new Map());
    }
  });
});
