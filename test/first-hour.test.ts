// What a new user meets in the first hour (issue 8): a typo in a branch name, deleting a branch
// whose commits nothing else reaches, saves that commit at once (autoCommit), plain files beside
// the objects (python-gitmodel's add_blob), and error messages that stay readable.
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConflictError,
  FileNotFoundError,
  NotFoundError,
  RefNotFoundError,
  UnmergedBranchError,
  UnsafePathError,
  Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, newRepoPath, snapshot } from './helpers.js';

async function repoWithOneCommit(): Promise<{ path: string; ws: Workspace; head: string }> {
  const path = newRepoPath();
  const ws = await Workspace.open(path);
  ws.register(Page, Author);
  const head = (await new Page({ slug: 'home', title: 'Home' }).save({ commit: true }))!;
  return { path, ws, head };
}

describe('a branch that does not exist', () => {
  it('is a RefNotFoundError naming the branches there are, and nothing is written', async () => {
    const { path } = await repoWithOneCommit();
    git(path, 'branch', 'draft', 'main');
    const before = snapshot(path);
    const error = await Workspace.open(path, { branch: 'mian' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefNotFoundError);
    expect((error as Error).message).toContain('draft, main');
    expect((error as Error).message).toContain('createBranch');
    expect(snapshot(path)).toEqual(before);
  });

  it('is created at HEAD with createBranch, or at from', async () => {
    const { path, head } = await repoWithOneCommit();
    const ws = await Workspace.open(path, { branch: 'feature', createBranch: true });
    ws.register(Page, Author);
    expect(ws.head).toBe(head);
    expect(git(path, 'rev-parse', 'feature').trim()).toBe(head);
    expect((await Page.get('home')).title).toBe('Home');
    await new Page({ slug: 'two', title: 'Two' }).save({ commit: true });
    const old = await Workspace.open(path, { branch: 'old', createBranch: true, from: 'feature~1' });
    expect(old.head).toBe(head);
    // an existing branch opens as it is: createBranch only creates what is missing
    const again = await Workspace.open(path, { branch: 'feature', createBranch: true });
    expect(again.head).not.toBe(head);
    expect(git(path, 'log', '--format=%P', '-1', 'feature').trim()).toBe(head);
    expectFsckClean(path);
  });

  it('is still the first commit in an empty repository, and from needs createBranch', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { branch: 'data' });
    ws.register(Page, Author);
    expect(ws.head).toBeNull();
    await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    expect(git(path, 'rev-parse', '--verify', 'data').trim()).toBe(ws.head);
    await expect(Workspace.open(path, { branch: 'x', from: 'data' })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(Workspace.open(path, { branch: 'x', createBranch: true, from: 'nope' })).rejects.toBeInstanceOf(RefNotFoundError);
  });
});

describe('deleting a branch', () => {
  it('refuses one whose commits no other branch or tag reaches, unless forced', async () => {
    const { path, ws } = await repoWithOneCommit();
    const draft = await Workspace.open(path, { branch: 'draft', createBranch: true });
    draft.register(Page, Author);
    const only = (await new Page({ slug: 'draft-only', title: 'Draft' }).save({ commit: true }))!;
    ws.register(Page, Author);
    const error = await ws.branches.delete('draft').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnmergedBranchError);
    expect((error as UnmergedBranchError).data.head).toBe(only);
    expect(git(path, 'rev-parse', 'draft').trim()).toBe(only);
    // a tag keeps the commits: the branch may go
    await ws.tags.create('keep', { at: 'draft' });
    expect(await ws.branches.delete('draft')).toBe(only);
    expect(git(path, 'cat-file', '-t', only).trim()).toBe('commit');
    expectFsckClean(path);
  });

  it('deletes a branch merged into another one, and anything with force', async () => {
    const { path, ws } = await repoWithOneCommit();
    await ws.branches.create('behind');
    await ws.branches.delete('behind'); // main reaches its head
    await ws.branches.create('ahead');
    const ahead = await Workspace.open(path, { branch: 'ahead' });
    ahead.register(Page, Author);
    await new Page({ slug: 'x', title: 'X' }).save({ commit: true });
    ws.register(Page, Author);
    await expect(ws.branches.delete('ahead')).rejects.toBeInstanceOf(UnmergedBranchError);
    await ws.branches.delete('ahead', { force: true });
    expect(git(path, 'branch', '--list', '--format=%(refname:short)').trim()).toBe('main');
  });
});

describe('autoCommit', () => {
  it('commits every save, delete and restore at once; a transaction still commits once', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { autoCommit: true });
    ws.register(Page, Author);
    const first = await new Page({ slug: 'a', title: 'A' }).save();
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    expect(ws.hasChanges()).toBe(false);
    const page = await Page.get('a');
    page.title = 'A2';
    await page.save();
    await Page.delete('a');
    await Page.restore('a', { from: first! });
    expect(git(path, 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'Restore page a',
      'Delete page a',
      'Save page a',
      'Save page a',
    ]);
    await ws.transaction(async () => {
      await new Page({ slug: 'b', title: 'B' }).save();
      await new Page({ slug: 'c', title: 'C' }).save();
    }, { message: 'Two pages' });
    expect(git(path, 'log', '--format=%s', '-1', 'main').trim()).toBe('Two pages');
    expect(git(path, 'rev-list', '--count', 'main').trim()).toBe('5');
    // an explicit { commit: false } still only stages
    await new Page({ slug: 'd', title: 'D' }).save({ commit: false });
    expect(ws.hasChanges()).toBe(true);
    expectFsckClean(path);
  });
});

describe('plain files (ws.files)', () => {
  it('stages, commits, reads at a revision, lists and removes files outside the models', async () => {
    const { path, ws } = await repoWithOneCommit();
    const bytes = new Uint8Array([1, 2, 3]);
    await ws.files.write('assets/logo.bin', bytes);
    bytes[0] = 99; // the index holds its own copy
    await ws.files.write('README.md', '# Site\n');
    expect(await ws.files.list()).toEqual(['README.md', 'assets/logo.bin']);
    const oid = await ws.commit({ message: 'Files' });
    expect(git(path, 'show', 'main:README.md')).toBe('# Site\n');
    expect([...(await ws.files.read('assets/logo.bin'))]).toEqual([1, 2, 3]);
    const read = await ws.files.read('assets/logo.bin');
    read[0] = 42; // and hands out copies
    expect([...(await ws.files.read('assets/logo.bin'))]).toEqual([1, 2, 3]);
    await ws.files.write('README.md', '# Site v2\n', { commit: true, message: 'v2' });
    expect(await ws.files.readText('README.md', { at: oid! })).toBe('# Site\n');
    expect(await ws.files.readText('README.md')).toBe('# Site v2\n');
    expect(await ws.files.list('assets')).toEqual(['assets/logo.bin']);
    await ws.files.remove('assets/logo.bin');
    expect(await ws.files.exists('assets/logo.bin')).toBe(false);
    await expect(ws.files.read('assets/logo.bin')).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(ws.files.remove('assets/logo.bin')).rejects.toBeInstanceOf(FileNotFoundError);
    await ws.commit({ message: 'No logo' });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['README.md', 'page/home/data.json']);
    // the objects are still there and the files list never shows them
    expect((await Page.get('home')).title).toBe('Home');
    expectFsckClean(path);
  });

  it('refuses unsafe paths and paths inside a model folder, writing nothing', async () => {
    const { path, ws } = await repoWithOneCommit();
    await ws.files.write('notes/a.txt', 'a', { commit: true });
    const before = snapshot(path);
    for (const bad of ['../x', '/etc/passwd', 'a//b', 'a/', '.git/config', 'x/.GIT/y', 'a\\b', 'con.txt', 'a/./b', '']) {
      const error = await ws.files.write(bad, 'x').catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(UnsafePathError);
    }
    for (const inside of ['page/home/data.json', 'page/new/notes.txt', 'page', 'author/x']) {
      const error = await ws.files.write(inside, 'x').catch((e: unknown) => e);
      expect(error, inside).toBeInstanceOf(UnsafePathError);
      expect((error as UnsafePathError).data.model).toBeDefined();
    }
    await expect(ws.files.write('notes', 'x')).rejects.toBeInstanceOf(UnsafePathError); // a folder is there
    await expect(ws.files.write('notes/a.txt/b', 'x')).rejects.toBeInstanceOf(UnsafePathError); // under a file
    await expect(ws.files.read('page/home/data.json')).rejects.toBeInstanceOf(UnsafePathError);
    expect(ws.hasChanges()).toBe(false);
    await ws.commit({ message: 'nothing' });
    expect(snapshot(path)).toEqual(before);
  });

  it('a file changed on the branch meanwhile is a conflict like an object', async () => {
    const { path, ws } = await repoWithOneCommit();
    await ws.files.write('notes.txt', 'one', { commit: true });
    const other = await Workspace.open(path);
    await other.files.write('notes.txt', 'two', { commit: true });
    await ws.files.write('notes.txt', 'three');
    const error = await ws.commit({ message: 'three' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).data.objects).toEqual([{ model: null, id: null, paths: ['notes.txt'] }]);
  });
});

describe('messages', () => {
  it('ConflictError says whether the staged changes were kept or taken back out', async () => {
    const { path, ws } = await repoWithOneCommit();
    const other = await Workspace.open(path);
    other.register(Page, Author);
    const mine = await Page.get('home');
    const theirs = await Page.get('home');
    theirs.title = 'Theirs';
    await theirs.save({ commit: true });
    ws.register(Page, Author);
    mine.title = 'Mine';
    const viaSave = await mine.save({ commit: true }).catch((e: unknown) => e);
    expect(viaSave).toBeInstanceOf(ConflictError);
    expect((viaSave as ConflictError).data.staged).toBe('unstaged');
    expect((viaSave as Error).message).toContain('taken back out of the index');
    expect(ws.hasChanges()).toBe(false);
    await mine.save();
    const viaCommit = await ws.commit({ message: 'mine' }).catch((e: unknown) => e);
    expect(viaCommit).toBeInstanceOf(ConflictError);
    expect((viaCommit as Error).message).toContain('the staged changes are kept');
    expect(ws.hasChanges()).toBe(true);
  });

  it('quotes long ids and values cut to a readable length; data keeps them whole', async () => {
    const { ws } = await repoWithOneCommit();
    ws.register(Page, Author);
    const long = 'x'.repeat(150);
    const error = await Page.get(long).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message.length).toBeLessThan(160);
    expect((error as Error).message).toContain('(150 characters)');
    expect((error as NotFoundError).data.id).toBe(long);
    const ref = await ws.resolve('y'.repeat(5000)).catch((e: unknown) => e);
    expect((ref as Error).message.length).toBeLessThan(300);
  });
});

describe('an orphan branch', () => {
  it('opens a missing branch unborn beside others; its first commit is a root', async () => {
    const { path } = await repoWithOneCommit();
    const ws = await Workspace.open(path, { branch: 'data', orphan: true });
    ws.register(Page, Author);
    expect(ws.head).toBeNull();
    await expect(Page.get('home')).rejects.toBeInstanceOf(NotFoundError);
    const root = await new Page({ slug: 'd', title: 'D' }).save({ commit: true });
    expect(git(path, 'rev-list', '--parents', '-1', 'data').trim()).toBe(root);
    await expect(Workspace.open(path, { branch: 'x', orphan: true, createBranch: true })).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe('the README', () => {
  it('lists every error class the library exports, with its code', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const source = ['../lib/errors.ts', '../lib/git/remote/errors.ts'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n');
    const api = await import('../lib/index.js');
    const errors = Object.entries(api).filter(
      ([, value]) => typeof value === 'function' && value.prototype instanceof api.GitModelError,
    );
    expect(errors.length).toBeGreaterThan(20);
    for (const [name] of errors) {
      const code = new RegExp(`class ${name} extends[\\s\\S]*?readonly code = '([A-Z_]+)'`).exec(source)?.[1];
      expect(code, name).toBeDefined();
      expect(readme, name).toContain(`| \`${name}\` | \`${code}\` |`);
    }
  });
});
