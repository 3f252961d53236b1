// Nothing a user does corrupts a repository (issue 8): buffers are never shared between a caller
// and the store, in either direction; repositories in a format gitmodel does not implement are
// refused before anything is written; messages come back without git's trailing newline.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsupportedRepositoryError, Workspace } from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { cliRepoWithCheckout, expectFsckClean, git, gitBytes, gitWith, newRepoPath, snapshot, tempDir } from './helpers.js';

async function open(path: string): Promise<Workspace> {
  const ws = await Workspace.open(path);
  ws.register(Page, Author);
  return ws;
}

const ORIGINAL = [1, 2, 3, 4, 5];

/** The cover's bytes as git stores them on main. */
function storedCover(path: string, slug: string): number[] {
  return [...gitBytes(path, 'show', `main:page/${slug}/cover`)];
}

async function cover(slug: string, at?: string): Promise<number[]> {
  return [...(await Page.get(slug, at === undefined ? {} : { at })).cover!];
}

describe('no buffer is shared between a caller and the store', () => {
  it('a blob field changed by the caller after save: the commit stores what was saved, fsck --strict is clean', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const bytes = new Uint8Array(ORIGINAL);
    await new Page({ slug: 'a', title: 'A', cover: bytes }).save();
    bytes[0] = 99; // the caller's buffer, reused
    await ws.commit({ message: 'Add a' });
    expectFsckClean(path);
    expect(storedCover(path, 'a')).toEqual(ORIGINAL);
    expect(await cover('a')).toEqual(ORIGINAL);
  });

  it('a Buffer given to a blob field is copied too (Buffer.slice would share its memory)', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const bytes = Buffer.from(ORIGINAL);
    await new Page({ slug: 'a', title: 'A', cover: bytes }).save();
    bytes.fill(0);
    await ws.commit({ message: 'Add a' });
    expectFsckClean(path);
    expect(storedCover(path, 'a')).toEqual(ORIGINAL);
    expect(await cover('a')).toEqual(ORIGINAL);
  });

  it('a blob field changed while its save is still running: data.json names the blob that is staged', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const bytes = new Uint8Array(ORIGINAL);
    // change the buffer after every number of microtask turns: before, during and after the save's awaits
    for (let turns = 0; turns < 30; turns++) {
      bytes[0] = 1;
      const saving = new Page({ slug: `p${turns}`, title: 'P', cover: bytes }).save();
      for (let i = 0; i < turns; i++) await Promise.resolve();
      bytes[0] = 99;
      await saving;
      expect([1, 99]).toContain((await cover(`p${turns}`))[0]); // readable: never a CorruptObjectError
    }
    await ws.commit({ message: 'Add pages' });
    expectFsckClean(path);
    for (let turns = 0; turns < 30; turns++) expect(await cover(`p${turns}`)).toEqual(storedCover(path, `p${turns}`));
  });

  it('a blob field read from the index (staged, not committed) and changed: the index keeps its bytes', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await new Page({ slug: 'a', title: 'A', cover: new Uint8Array(ORIGINAL) }).save();
    const read = (await Page.get('a')).cover!;
    read[0] = 42;
    expect(await cover('a')).toEqual(ORIGINAL);
    await ws.commit({ message: 'Add a' });
    expectFsckClean(path);
    expect(storedCover(path, 'a')).toEqual(ORIGINAL);
  });

  it('a blob field read after commit (object cache) and changed: the next get, and one at a revision, read the stored bytes', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await new Page({ slug: 'a', title: 'A', cover: new Uint8Array(ORIGINAL) }).save({ commit: true, message: 'Add a' });
    for (const at of [undefined, 'HEAD', 'main']) {
      const read = (await Page.get('a', at === undefined ? {} : { at })).cover!;
      read.fill(7);
      expect(await cover('a', at)).toEqual(ORIGINAL);
    }
    // a save of the changed object stores the new bytes under their own oid
    const p = await Page.get('a');
    p.cover![1] = 8;
    await p.save({ commit: true, message: 'Change a' });
    expectFsckClean(path);
    expect(storedCover(path, 'a')).toEqual([1, 8, 3, 4, 5]);
    expect(await cover('a', 'HEAD~1')).toEqual(ORIGINAL);
    void ws;
  });

  it('bytes staged by a restore are the index\'s own: changing a read of them changes nothing stored', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await new Page({ slug: 'a', title: 'A', cover: new Uint8Array(ORIGINAL) }).save({ commit: true, message: 'v1' });
    await Page.delete('a', { commit: true, message: 'gone' });
    await ws.restore({ from: 'HEAD~1' });
    (await Page.get('a')).cover!.fill(1);
    await ws.commit({ message: 'restored' });
    expectFsckClean(path);
    expect(storedCover(path, 'a')).toEqual(ORIGINAL);
    expect(await cover('a', 'HEAD~2')).toEqual(ORIGINAL);
  });

  it('CommitInfo.parents is the caller\'s array: changing it changes no later walk, history or revision', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const first = (await new Page({ slug: 'a', title: 'A' }).save({ commit: true, message: 'one' }))!;
    const page = await Page.get('a');
    page.title = 'B';
    const second = (await page.save({ commit: true, message: 'two' }))!;
    const walked = (await ws.walk().next()).value!;
    expect(walked.parents).toEqual([first]);
    walked.parents.push('0'.repeat(40));
    walked.parents.length = 0;
    const [history] = await Page.history('a');
    history.commit.parents.push(second);
    const again = (await ws.walk().next()).value!;
    expect(again.parents).toEqual([first]);
    expect((await Page.history('a'))[0].commit.parents).toEqual([first]);
    expect((await Page.get('a', { at: 'HEAD~1' })).title).toBe('A');
    const all: string[] = [];
    for await (const c of ws.walk()) all.push(c.oid);
    expect(all).toEqual([second, first]);
    expectFsckClean(path);
  });
});

/** Opening refuses with UnsupportedRepositoryError, and the repository is byte for byte as it was. */
async function expectRefused(path: string, data: { extension?: string; value?: string }): Promise<UnsupportedRepositoryError> {
  const before = snapshot(path);
  const error = await Workspace.open(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsupportedRepositoryError);
  const e = error as UnsupportedRepositoryError;
  expect(e.code).toBe('UNSUPPORTED_REPOSITORY');
  expect(e.data).toMatchObject(data);
  if (data.extension) expect(e.message).toContain(`extensions.${data.extension}`);
  expect(snapshot(path)).toEqual(before);
  return e;
}

/** A bare repository made by git with these config settings. */
function bareWith(settings: [string, string][], init: string[] = []): string {
  const path = join(tempDir(), 'repo.git');
  gitWith(tempDir(), {}, 'init', '-q', '--bare', '-b', 'main', ...init, path);
  for (const [key, value] of settings) git(path, 'config', key, value);
  return path;
}

describe('repositories in a format gitmodel does not implement', () => {
  it('a SHA-256 repository (bare, or with a checkout and a commit) is refused and left untouched', async () => {
    const bare = bareWith([], ['--object-format=sha256']);
    expect((await expectRefused(bare, { extension: 'objectformat', value: 'sha256' })).message).toContain('SHA-256');
    const dir = tempDir();
    git(dir, 'init', '-q', '--object-format=sha256', '-b', 'main');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
    await expectRefused(dir, { extension: 'objectformat', value: 'sha256' });
    await expectRefused(join(dir, '.git'), { extension: 'objectformat', value: 'sha256' });
    git(dir, 'fsck', '--strict');
  });

  it('version 1 with an extension gitmodel does not implement, or one it cannot honour, is refused', async () => {
    const cases: [string, string, string][] = [
      ['extensions.preciousObjects', 'true', 'preciousobjects'],
      ['extensions.partialClone', 'origin', 'partialclone'],
      ['extensions.refStorage', 'reftable', 'refstorage'],
      ['extensions.somethingNew', 'x', 'somethingnew'],
    ];
    for (const [key, value, extension] of cases) {
      await expectRefused(bareWith([['core.repositoryformatversion', '1'], [key, value]]), { extension, value });
    }
    // git honours preciousObjects and partialClone at version 0 too
    await expectRefused(bareWith([['extensions.preciousObjects', 'yes']]), { extension: 'preciousobjects' });
    await expectRefused(bareWith([['extensions.partialClone', 'origin']]), { extension: 'partialclone' });
    // a version-1 extension in a version-0 repository: git refuses it as well
    await expectRefused(bareWith([['extensions.objectFormat', 'sha1']]), { extension: 'objectformat', value: 'sha1' });
  });

  it('a format version above 1 is refused', async () => {
    const path = bareWith([['core.repositoryformatversion', '2']]);
    const error = await expectRefused(path, {});
    expect(error.data.extension).toBeUndefined();
    expect(error.message).toMatch(/repositoryformatversion is 2/);
  });

  it('the extensions gitmodel implements are accepted, and an unknown one under version 0 is ignored, as git does', async () => {
    const accepted: [string, string][][] = [
      [['core.repositoryformatversion', '1'], ['extensions.objectFormat', 'sha1']],
      [['core.repositoryformatversion', '1'], ['extensions.noop', 'true'], ['extensions.worktreeConfig', 'true']],
      [['core.repositoryformatversion', '1'], ['extensions.preciousObjects', 'false']],
      [['extensions.somethingNew', 'x']],
    ];
    for (const settings of accepted) {
      const path = bareWith(settings);
      const ws = await open(path);
      await new Page({ slug: 'a', title: 'A' }).save({ commit: true, message: 'Add a' });
      expect(git(path, 'log', '--format=%s', 'main')).toBe('Add a\n');
      expectFsckClean(path);
      void ws;
    }
    // git 2.39 does not know refStorage yet, so only gitmodel's side of it is checked
    const files = bareWith([['core.repositoryformatversion', '1'], ['extensions.refStorage', 'files']]);
    await open(files);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true, message: 'Add a' });
    expect((await Page.get('a')).title).toBe('A');
  });

  it('a config file git cannot parse makes the repository unreadable, untouched', async () => {
    const dir = cliRepoWithCheckout();
    writeFileSync(join(dir, '.git', 'config'), '[core\n\tbare = false\n');
    const before = snapshot(dir);
    await expect(Workspace.open(dir)).rejects.toMatchObject({ code: 'REPOSITORY_NOT_FOUND' });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('messages come back without the newline git ends them with', () => {
  it('in walk(), history, tags and checkpoints; the stored bytes keep it', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true, message: 'one' });
    const p = await Page.get('a');
    p.title = 'B';
    await p.save({ commit: true, message: 'two\n' }); // a newline of the caller's own is git's one
    // a commit made by git, on the branch the workspace reads
    const tree = git(path, 'rev-parse', 'main^{tree}').trim();
    const parent = git(path, 'rev-parse', 'main').trim();
    const cli = gitWith(path, { input: 'subject\n\nbody line\n' }, 'commit-tree', tree, '-p', parent).trim();
    git(path, 'update-ref', 'refs/heads/main', cli, parent);
    await ws.discard();

    const printed: string[] = [];
    for await (const c of ws.walk()) printed.push(c.message);
    expect(printed).toEqual(['subject\n\nbody line', 'two', 'one']);
    expect(printed.slice(1).join('\n').split('\n')).not.toContain('');
    expect(git(path, 'cat-file', 'commit', 'main').endsWith('\n\nsubject\n\nbody line\n')).toBe(true);
    expect((await Page.history('a')).map((v) => v.commit.message)).toEqual(['two', 'one']);
    const found: string[] = [];
    for await (const c of ws.walk({ message: /^two$/ })) found.push(c.message);
    expect(found).toEqual(['two']);

    const tag = await ws.tags.create('v1', { message: 'Release 1' });
    expect(tag.message).toBe('Release 1');
    expect((await ws.tags.list())[0].message).toBe('Release 1');
    expect(git(path, 'cat-file', 'tag', 'v1').endsWith('\n\nRelease 1\n')).toBe(true);
    const cp = await ws.checkpoints.create('cp', { message: 'before review' });
    expect(cp.message).toBe('before review');
    expect((await ws.checkpoints.list())[0].message).toBe('before review');
    expectFsckClean(path);
  });
});
