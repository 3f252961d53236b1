// Black-box tests of Workspace: opening and creating repositories, the in-memory index, commits,
// history, revision reads and branch safety, checked against the real git CLI.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BranchCheckedOutError,
  ConfigurationError,
  InvalidRefNameError,
  NotFoundError,
  RefNotFoundError,
  RepositoryNotFoundError,
  StaleBranchError,
  Workspace,
  type CommitInfo,
  type OpenOptions,
  type StagedChange,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { cliRepoWithCheckout, expectFsckClean, git, gitWith, newRepoPath, snapshot, tempDir } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// local helpers

/** git with extra environment (commit dates), otherwise the same identity as helpers' git(). */
function gitEnv(cwd: string, env: Record<string, string>, ...args: string[]): string {
  return gitWith(cwd, { env }, ...args);
}

/** Whether git accepts a branch name (exit status of `git check-ref-format --branch`). */
function gitAcceptsBranch(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { cwd: tmpdir(), stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function rev(gitdir: string, what: string): string {
  return git(gitdir, 'rev-parse', '--verify', '-q', what).trim();
}

/** Whether a ref exists in the repository. */
function refExists(gitdir: string, ref: string): boolean {
  try {
    git(gitdir, 'rev-parse', '--verify', '-q', ref);
    return true;
  } catch {
    return false;
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

async function open(path: string, options?: OpenOptions): Promise<Workspace> {
  const ws = await Workspace.open(path, options);
  ws.register(Page, Author);
  return ws;
}

/** The rejection of a promise (or thrown error of a call); fails when it settles normally. */
async function caught(action: PromiseLike<unknown> | (() => unknown)): Promise<any> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but the call succeeded');
}

function page(slug: string, title = `Title of ${slug}`, extra: Record<string, unknown> = {}): Page {
  return new Page({ slug, title, ...extra });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The raw message git stores in a commit (everything after the header's blank line). */
function rawMessage(gitdir: string, oid: string): string {
  const text = git(gitdir, 'cat-file', 'commit', oid);
  return text.slice(text.indexOf('\n\n') + 2);
}

/** The working tree's files (everything outside .git). */
function workTree(dir: string): Map<string, string> {
  return new Map([...snapshot(dir)].filter(([path]) => !path.startsWith('.git/') && path !== '.git'));
}

/** git status, never refreshing the index as a side effect. */
function status(dir: string): string {
  return git(dir, '--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--untracked-files=all');
}

const when = (seconds: number) => new Date(seconds * 1000);

// ---------------------------------------------------------------------------------------------

describe('Workspace.open', () => {
  it('creates a bare repository (HEAD naming main) when the path does not exist', async () => {
    const path = newRepoPath();
    expect(existsSync(path)).toBe(false);
    const ws = await open(path);
    expect(ws.branch).toBe('main');
    expect(ws.head).toBeNull();
    expect(git(path, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    expect(git(path, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect(refExists(path, 'refs/heads/main')).toBe(false);
    const oid = await page('hello').save({ commit: true, message: 'first' });
    expect(rev(path, 'main')).toBe(oid);
    expect(rev(path, 'HEAD')).toBe(oid);
    expect(JSON.parse(git(path, 'show', 'main:page/hello/data.json'))).toMatchObject({ slug: 'hello', title: 'Title of hello' });
    expectFsckClean(path);
  });

  it('creates missing parent directories too, and leaves no temporary files beside the repository', async () => {
    const root = tempDir();
    const path = join(root, 'a', 'b', 'repo.git');
    await open(path);
    expect(git(path, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    expect(readdirSync(join(root, 'a', 'b'))).toEqual(['repo.git']);
    expectFsckClean(path);
  });

  it('names the branch given by { branch } in HEAD of a repository it creates', async () => {
    const path = newRepoPath();
    const ws = await open(path, { branch: 'data' });
    expect(ws.branch).toBe('data');
    expect(ws.ref).toBe('refs/heads/data');
    expect(git(path, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/data');
    const oid = await page('x').save({ commit: true, message: 'on data' });
    expect(rev(path, 'data')).toBe(oid);
    expect(refExists(path, 'refs/heads/main')).toBe(false);
    expectFsckClean(path);
  });

  it('initialises an existing empty directory as a bare repository', async () => {
    const dir = tempDir();
    await open(dir);
    expect(git(dir, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    expect(git(dir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    await page('p').save({ commit: true, message: 'm' });
    expect(git(dir, 'log', '--format=%s', 'main')).toBe('m\n');
    expectFsckClean(dir);
  });

  it('opens an existing bare repository made by git init --bare, on the branch its HEAD names', async () => {
    const path = join(tempDir(), 'cli.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'trunk', path]);
    const before = snapshot(path);
    const ws = await open(path);
    expect(ws.branch).toBe('trunk');
    expect(ws.head).toBeNull();
    expect(snapshot(path)).toEqual(before); // opening writes nothing
    const oid = await page('a').save({ commit: true, message: 'into a CLI repo' });
    expect(rev(path, 'trunk')).toBe(oid);
    expect(git(path, 'log', '--format=%s', 'trunk')).toBe('into a CLI repo\n');
    expectFsckClean(path);
  });

  it('reads data the git CLI pushed into a bare repository', async () => {
    const path = newRepoPath();
    let ws = await open(path);
    await page('mine', 'Mine').save({ commit: true, message: 'gitmodel commit' });
    const canonical = git(path, 'show', 'main:page/mine/data.json');
    // a clone adds a page with the CLI, in the same file format, and pushes it back
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', path, clone);
    mkdirSync(join(clone, 'page', 'theirs'), { recursive: true });
    writeFileSync(join(clone, 'page', 'theirs', 'data.json'), canonical.replace('"mine"', '"theirs"').replace('"Mine"', '"Theirs"'));
    git(clone, 'add', '.');
    git(clone, 'commit', '-q', '-m', 'cli commit');
    git(clone, 'push', '-q', 'origin', 'main');
    ws = await open(path);
    expect(ws.head).toBe(rev(path, 'main'));
    expect((await Page.get('theirs')).title).toBe('Theirs');
    expect((await Page.all()).map((p) => p.slug)).toEqual(['mine', 'theirs']);
    expectFsckClean(path);
  });

  it('opens a repository with a checkout by its working-tree path and by its .git path', async () => {
    const dir = cliRepoWithCheckout();
    const ws1 = await open(dir, { branch: 'data', orphan: true });
    expect(ws1.repo.bare).toBe(false);
    const first = await page('one').save({ commit: true, message: 'via working tree' });
    expect(rev(dir, 'data')).toBe(first);

    const ws2 = await open(join(dir, '.git'), { branch: 'data' });
    expect(ws2.head).toBe(first);
    expect((await Page.get('one')).title).toBe('Title of one');
    const second = await page('two').save({ commit: true, message: 'via .git' });
    expect(rev(dir, 'data')).toBe(second);
    expect(lines(git(dir, 'log', '--format=%H', 'data'))).toEqual([second, first]);
    expect(git(dir, 'rev-parse', '--is-bare-repository').trim()).toBe('false');
    expectFsckClean(join(dir, '.git'));
  });

  it('opened by its .git path, a non-bare repository still refuses to commit to the checked-out branch', async () => {
    const dir = cliRepoWithCheckout();
    const main = rev(dir, 'main');
    const ws = await open(join(dir, '.git'));
    expect(ws.branch).toBe('main');
    await page('p').save();
    const err = await caught(ws.commit({ message: 'nope' }));
    expect(err).toBeInstanceOf(BranchCheckedOutError);
    expect(err.code).toBe('BRANCH_CHECKED_OUT');
    expect(rev(dir, 'main')).toBe(main);
  });

  it('{ create: false } on a missing path throws RepositoryNotFoundError and creates nothing', async () => {
    const parent = tempDir();
    const path = join(parent, 'missing.git');
    const err = await caught(Workspace.open(path, { create: false }));
    expect(err).toBeInstanceOf(RepositoryNotFoundError);
    expect(err.code).toBe('REPOSITORY_NOT_FOUND');
    expect(err.data.path).toBe(path);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('{ create: false } on an empty directory throws and leaves it empty', async () => {
    const dir = tempDir();
    const err = await caught(Workspace.open(dir, { create: false }));
    expect(err).toBeInstanceOf(RepositoryNotFoundError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a path that is a file throws RepositoryNotFoundError and the file is untouched', async () => {
    const file = join(tempDir(), 'file.txt');
    writeFileSync(file, 'not a repo\n');
    for (const create of [undefined, true, false]) {
      const err = await caught(Workspace.open(file, create === undefined ? {} : { create }));
      expect(err).toBeInstanceOf(RepositoryNotFoundError);
      expect(err.code).toBe('REPOSITORY_NOT_FOUND');
    }
    expect(readFileSync(file, 'utf8')).toBe('not a repo\n');
  });

  it('a non-empty directory that is not a repository throws and is left as it was', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x.bin'), Buffer.from([0, 1, 2]));
    const before = snapshot(dir);
    const err = await caught(Workspace.open(dir));
    expect(err).toBeInstanceOf(RepositoryNotFoundError);
    expect(err.code).toBe('REPOSITORY_NOT_FOUND');
    expect(snapshot(dir)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'sub']);
  });

  async function expectRejectedBranchNames(bad: string[]) {
    for (const name of bad) expect(gitAcceptsBranch(name), `git accepts ${JSON.stringify(name)}`).toBe(false);
    const accepted: string[] = [];
    for (const name of bad) {
      const parent = tempDir();
      const path = join(parent, 'r.git');
      let err: any;
      try {
        await Workspace.open(path, { branch: name });
        accepted.push(name);
        continue;
      } catch (error) {
        err = error;
      }
      expect(err, `branch ${JSON.stringify(name)}`).toBeInstanceOf(InvalidRefNameError);
      expect(err.code).toBe('INVALID_REF_NAME');
      expect(err.data.name).toBe(name);
      expect(readdirSync(parent)).toEqual([]);
    }
    expect(accepted, 'branch names git rejects but Workspace.open accepted').toEqual([]);
  }

  it('rejects malformed ref names (a..b, x y, a.lock, …) with InvalidRefNameError, before creating anything', async () => {
    await expectRejectedBranchNames(['a..b', 'x y', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', '.a', 'a/.b', 'a.lock', 'a/', '/a', 'a//b', 'a.', 'a@{b', '']);
  });

  it('rejects what git refuses as a branch name: a leading "-" and "HEAD" (git check-ref-format --branch)', async () => {
    await expectRejectedBranchNames(['-', '-x', 'HEAD']);
  });

  it('accepts branch names git accepts', async () => {
    for (const name of ['data', 'feature/x', 'a-b', 'v1.0', 'a@b', 'é', 'UPPER_case']) {
      expect(gitAcceptsBranch(name), name).toBe(true);
      const path = newRepoPath();
      const ws = await open(path, { branch: name });
      const oid = await page('p').save({ commit: true, message: `on ${name}` });
      expect(ws.ref).toBe(`refs/heads/${name}`);
      expect(git(path, 'rev-parse', `refs/heads/${name}`).trim()).toBe(oid);
      expectFsckClean(path);
    }
  });

  it('rejects an unusable author given to open with ConfigurationError', async () => {
    for (const author of [
      { name: 'Evil <x>', email: 'e@example.com' },
      { name: 'Line\nBreak', email: 'e@example.com' },
      { name: 'Ok', email: 'bad<@example.com' },
      { name: 'Ok', email: 'bad\n@example.com' },
    ]) {
      const err = await caught(Workspace.open(newRepoPath(), { author }));
      expect(err).toBeInstanceOf(ConfigurationError);
      expect(err.code).toBe('CONFIGURATION');
    }
  });
});


/** A repository with a checkout of main and a linked worktree at `wt` on a new branch `feature`,
 *  with what the tests compare afterwards: main's commit, the main index's bytes, the worktree's status. */
function linkedWorktree() {
  const dir = cliRepoWithCheckout();
  const wt = join(tempDir(), 'wt');
  git(dir, 'worktree', 'add', '-q', '-b', 'feature', wt);
  return { dir, wt, main: rev(dir, 'main'), mainIndex: readFileSync(join(dir, '.git', 'index')), wtStatus: status(wt) };
}

describe('the repository index file and working tree are never touched', () => {
  function prepare() {
    const dir = cliRepoWithCheckout();
    writeFileSync(join(dir, 'a.txt'), 'a1\n');
    writeFileSync(join(dir, 'b.txt'), 'b1\n');
    git(dir, 'add', 'a.txt', 'b.txt');
    git(dir, 'commit', '-q', '-m', 'files');
    writeFileSync(join(dir, 'a.txt'), 'a2 staged\n');
    git(dir, 'add', 'a.txt'); // staged change
    writeFileSync(join(dir, 'b.txt'), 'b2 unstaged\n'); // unstaged change
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'new.txt'), 'new staged\n');
    git(dir, 'add', 'sub/new.txt');
    writeFileSync(join(dir, 'sub', 'new.txt'), 'new staged, then edited\n'); // staged and modified
    writeFileSync(join(dir, 'untracked.txt'), 'untracked\n'); // untracked
    // a page-shaped file in the working tree, to be sure the workspace never reads or writes it
    mkdirSync(join(dir, 'page', 'w'), { recursive: true });
    writeFileSync(join(dir, 'page', 'w', 'data.json'), '{"slug":"w","title":"from the working tree"}\n');
    const record = () => ({
      status: status(dir),
      index: readFileSync(join(dir, '.git', 'index')).toString('base64'),
      head: readFileSync(join(dir, '.git', 'HEAD'), 'utf8'),
      main: rev(dir, 'main'),
      tree: workTree(dir),
    });
    return { dir, record };
  }

  it('saves, reads, deletes and commits on another branch without changing git status, .git/index or any file', async () => {
    const { dir, record } = prepare();
    const before = record();
    expect(before.status).toContain('a.txt');
    expect(before.status).toContain('untracked.txt');

    const ws = await open(dir, { branch: 'data', orphan: true });
    expect(ws.head).toBeNull();
    expect(await Page.exists('w')).toBe(false);
    await page('p1', 'One').save();
    await page('p2', 'Two').save();
    const c1 = await ws.commit({ message: 'two pages' });
    expect((await Page.get('p1')).title).toBe('One');
    const p2 = await Page.get('p2');
    p2.title = 'Two, edited';
    await p2.save();
    await page('p3', 'Three').save();
    await Page.delete('p1');
    const c2 = await ws.commit({ message: 'edit, add, delete' });
    expect(c1).toMatch(/^[0-9a-f]{40}$/);
    expect(c2).toMatch(/^[0-9a-f]{40}$/);

    expect(record()).toEqual(before);
    expect(lines(git(dir, 'log', '--format=%H %s', 'data'))).toEqual([`${c2} edit, add, delete`, `${c1} two pages`]);
    expect(git(dir, 'ls-tree', '-r', '--name-only', 'data')).toBe('page/p2/data.json\npage/p3/data.json\n');
    expect(JSON.parse(git(dir, 'show', 'data:page/p2/data.json')).title).toBe('Two, edited');
    expectFsckClean(join(dir, '.git'));
  });

  it('refuses to commit to the branch checked out in the working tree (BranchCheckedOutError), moving nothing', async () => {
    const { dir, record } = prepare();
    const before = record();
    const ws = await open(dir);
    expect(ws.branch).toBe('main');
    expect(ws.head).toBe(before.main);
    await page('p', 'P').save();
    const err = await caught(ws.commit({ message: 'must not land' }));
    expect(err).toBeInstanceOf(BranchCheckedOutError);
    expect(err.code).toBe('BRANCH_CHECKED_OUT');
    expect(err.data.branch).toBe('main');
    expect(err.data.path).toBe(dir);
    expect(rev(dir, 'main')).toBe(before.main);
    expect(ws.head).toBe(before.main);
    expect(ws.hasChanges()).toBe(true);
    expect((await Page.get('p')).title).toBe('P');
    // the same through save({ commit: true })
    const err2 = await caught(page('q', 'Q').save({ commit: true, message: 'nor this' }));
    expect(err2).toBeInstanceOf(BranchCheckedOutError);
    expect(rev(dir, 'main')).toBe(before.main);
    expect(record()).toEqual(before); // the user's staged changes and files are kept
    expectFsckClean(join(dir, '.git'));
  });

  it('refuses to commit to a branch checked out in a linked worktree', async () => {
    const { dir, wt } = linkedWorktree();
    const feature = rev(dir, 'feature');
    const ws = await open(dir, { branch: 'feature' });
    await page('p').save();
    const err = await caught(ws.commit({ message: 'no' }));
    expect(err).toBeInstanceOf(BranchCheckedOutError);
    expect(err.data.branch).toBe('feature');
    expect(err.data.path).toBe(wt);
    expect(rev(dir, 'feature')).toBe(feature);
    expectFsckClean(join(dir, '.git'));
  });

  it('opens a linked worktree by its path: refuses its own checked-out branch, commits to another', async () => {
    const { dir, wt, main, mainIndex, wtStatus } = linkedWorktree();

    // the worktree's own branch is the default, and is checked out there
    const own = await open(wt);
    expect(own.branch).toBe('feature');
    await page('p').save();
    expect(await caught(own.commit({ message: 'no' }))).toBeInstanceOf(BranchCheckedOutError);

    // another branch works, and lands in the shared repository
    await open(wt, { branch: 'data', orphan: true });
    const oid = await page('d').save({ commit: true, message: 'from a linked worktree' });
    expect(rev(dir, 'data')).toBe(oid);
    expect(JSON.parse(git(dir, 'show', 'data:page/d/data.json')).slug).toBe('d');
    expect(rev(dir, 'main')).toBe(main);
    expect(readFileSync(join(dir, '.git', 'index'))).toEqual(mainIndex);
    expect(status(wt)).toBe(wtStatus);
    expectFsckClean(join(dir, '.git'));
  });

  it('opened from a linked worktree, refuses to commit to the branch checked out in the main working tree', async () => {
    const { dir, wt, main, mainIndex, wtStatus } = linkedWorktree();

    // main is checked out in the main working tree: moving it would make that checkout look reverted
    const onMain = await open(wt, { branch: 'main' });
    expect(onMain.head).toBe(main);
    await page('m').save();
    const err = await caught(onMain.commit({ message: 'must not move main' }));
    expect(err).toBeInstanceOf(BranchCheckedOutError);
    expect(err.code).toBe('BRANCH_CHECKED_OUT');
    expect(err.data.branch).toBe('main');
    expect(err.data.path).toBe(dir);
    expect(rev(dir, 'main')).toBe(main);
    expect(readFileSync(join(dir, '.git', 'index'))).toEqual(mainIndex);
    expect(status(wt)).toBe(wtStatus);
    expectFsckClean(join(dir, '.git'));
  });
});

describe('commits', () => {
  it('have the previous head as parent (none for the first) and move the branch only on commit', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a').save();
    expect(refExists(path, 'refs/heads/main')).toBe(false);
    const c1 = await ws.commit({ message: 'first' });
    expect(rev(path, 'main')).toBe(c1);
    expect(ws.head).toBe(c1);
    expect(git(path, 'log', '-1', '--format=%P', c1!)).toBe('\n');

    await page('b').save();
    expect(rev(path, 'main')).toBe(c1); // save alone does not move the branch
    const c2 = await ws.commit({ message: 'second' });
    expect(rev(path, 'main')).toBe(c2);
    expect(git(path, 'log', '-1', '--format=%P', c2!).trim()).toBe(c1);

    const c3 = await page('c').save({ commit: true, message: 'third' });
    expect(rev(path, 'main')).toBe(c3);
    expect(git(path, 'log', '-1', '--format=%P', c3!).trim()).toBe(c2);
    expect(lines(git(path, 'log', '--format=%H', 'main'))).toEqual([c3, c2, c1]);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).toBe('page/a/data.json\npage/b/data.json\npage/c/data.json\n');
    expectFsckClean(path);
  });

  it('record the message exactly, including a multi-line body', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a').save();
    const message = 'Subject: add "a" page\n\nBody line one.\n  indented line, trailing spaces  \nÜnïcödé ✓';
    const oid = await ws.commit({ message });
    expect(git(path, 'log', '-1', '--format=%s', 'main')).toBe('Subject: add "a" page\n');
    expect(rawMessage(path, oid!)).toBe(`${message}\n`);
    expect(git(path, 'log', '-1', '--format=%B', 'main')).toBe(`${message}\n\n`);
    const [info] = await collect(ws.walk());
    // the stored bytes end in git's newline; the API gives the message without it
    expect(info.message).toBe(message);
    expectFsckClean(path);
  });

  it('use the author given to open, with the committer defaulting to the author', async () => {
    const path = newRepoPath();
    const ws = await open(path, { author: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    await page('a').save();
    await ws.commit({ message: 'by ada' });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s', 'main')).toBe('Ada Lovelace\nada@example.com\nAda Lovelace\nada@example.com\nby ada\n');
    expectFsckClean(path);
  });

  it('use the author and committer given to commit, over the workspace default', async () => {
    const path = newRepoPath();
    const ws = await open(path, { author: { name: 'Default', email: 'default@example.com' } });
    await page('a').save();
    await ws.commit({
      message: 'explicit',
      author: { name: 'Grace Hopper', email: 'grace@example.com', date: when(1_500_000_000), tzOffset: 120 },
      committer: { name: 'Bot', email: 'bot@example.com', date: when(1_600_000_000), tzOffset: -300 },
    });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s%n%at %ai%n%ct %ci', 'main')).toBe(
      'Grace Hopper\ngrace@example.com\nBot\nbot@example.com\nexplicit\n' +
        '1500000000 2017-07-14 04:40:00 +0200\n1600000000 2020-09-13 07:26:40 -0500\n',
    );
    // an author but no committer: the committer is that author
    await page('b').save();
    await ws.commit({ message: 'author only', author: { name: 'Solo', email: 'solo@example.com' } });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s', 'main')).toBe('Solo\nsolo@example.com\nSolo\nsolo@example.com\nauthor only\n');
    expectFsckClean(path);
  });

  it('use the author given to save({ commit: true }) and to delete({ commit: true })', async () => {
    const path = newRepoPath();
    await open(path, { author: { name: 'Default', email: 'default@example.com' } });
    await page('a').save({ commit: true, message: 'saved', author: { name: 'Saver', email: 'saver@example.com' } });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s', 'main')).toBe('Saver\nsaver@example.com\nSaver\nsaver@example.com\nsaved\n');
    await Page.delete('a', { commit: true, message: 'deleted', author: { name: 'Deleter', email: 'deleter@example.com' } });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s', 'main')).toBe('Deleter\ndeleter@example.com\nDeleter\ndeleter@example.com\ndeleted\n');
    await page('b').save({ commit: true, message: 'default author' });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce', 'main')).toBe('Default\ndefault@example.com\nDefault\ndefault@example.com\n');
    expectFsckClean(path);
  });

  it('use user.name and user.email from the repository config when no author is given', async () => {
    const path = newRepoPath();
    await Workspace.open(path);
    git(path, 'config', 'user.name', 'Config Person');
    git(path, 'config', 'user.email', 'config@example.com');
    const ws = await open(path);
    await page('a').save();
    await ws.commit({ message: 'configured' });
    expect(git(path, 'log', '-1', '--format=%an%n%ae%n%cn%n%ce%n%s', 'main')).toBe('Config Person\nconfig@example.com\nConfig Person\nconfig@example.com\nconfigured\n');
    expectFsckClean(path);
  });

  it('reject an author or committer containing "<" or a newline with ConfigurationError, committing nothing', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const c1 = await page('a').save({ commit: true, message: 'ok' });
    await page('b').save();
    const bad = [
      { name: 'A <b', email: 'a@example.com' },
      { name: 'A\nB', email: 'a@example.com' },
      { name: 'A', email: 'a<b@example.com' },
      { name: 'A', email: 'a@example.com\nX' },
    ];
    for (const [i, author] of bad.entries()) {
      const e1 = await caught(ws.commit({ message: 'bad author', author }));
      expect(e1).toBeInstanceOf(ConfigurationError);
      expect(e1.code).toBe('CONFIGURATION');
      const e2 = await caught(ws.commit({ message: 'bad committer', committer: author }));
      expect(e2).toBeInstanceOf(ConfigurationError);
      const e3 = await caught(page(`c${i}`).save({ commit: true, message: 'bad', author }));
      expect(e3).toBeInstanceOf(ConfigurationError);
    }
    expect(rev(path, 'main')).toBe(c1);
    expect(ws.hasChanges()).toBe(true);
    expect(lines(git(path, 'log', '--format=%H', 'main'))).toEqual([c1]);
    expectFsckClean(path);
  });

  it('commit() returns null when nothing is staged, and when the changes were reverted to equal the head', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    expect(await ws.commit({ message: 'nothing on an unborn branch' })).toBeNull();
    expect(refExists(path, 'refs/heads/main')).toBe(false);
    const c1 = await page('a', 'Original').save({ commit: true, message: 'first' });
    expect(await ws.commit({ message: 'nothing' })).toBeNull();

    const a = await Page.get('a');
    a.title = 'Changed';
    await a.save();
    expect(ws.hasChanges()).toBe(true);
    a.title = 'Original';
    await a.save();
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);
    expect(await ws.commit({ message: 'reverted' })).toBeNull();

    await page('tmp').save();
    await Page.delete('tmp');
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.commit({ message: 'added and removed' })).toBeNull();
    expect(await a.save({ commit: true, message: 'unchanged save' })).toBeNull();

    expect(rev(path, 'main')).toBe(c1);
    expect(lines(git(path, 'log', '--format=%H', 'main'))).toEqual([c1]);
    expectFsckClean(path);
  });

  it('page.save({ commit: true, message }) returns the new commit oid', async () => {
    const path = newRepoPath();
    await open(path);
    const oid = await page('a').save({ commit: true, message: 'saved and committed' });
    expect(oid).toMatch(/^[0-9a-f]{40}$/);
    expect(rev(path, 'main')).toBe(oid);
    expect(git(path, 'log', '-1', '--format=%s', oid!)).toBe('saved and committed\n');
    expect(git(path, 'cat-file', '-t', oid!).trim()).toBe('commit');
    expectFsckClean(path);
  });
});

describe('staged changes: hasChanges, diff, discard', () => {
  const byId = (changes: StagedChange[]) => [...changes].sort((x, y) => String(x.id).localeCompare(String(y.id)));

  it('diff() lists added, modified and deleted objects against the head', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);

    await page('p1', 'One').save();
    expect(ws.hasChanges()).toBe(true);
    expect(await ws.diff()).toEqual([{ model: 'page', id: 'p1', status: 'added', paths: ['page/p1/data.json'] }]);
    await ws.commit({ message: 'p1' });
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);

    await page('p2', 'Two').save();
    await ws.commit({ message: 'p2' });

    const p1 = await Page.get('p1');
    p1.title = 'One, edited';
    await p1.save();
    await page('p3', 'Three', { cover: new Uint8Array([1, 2, 3]) }).save();
    await Page.delete('p2');
    expect(ws.hasChanges()).toBe(true);
    const diff = byId(await ws.diff());
    expect(diff.map((c) => ({ ...c, paths: [...c.paths].sort() }))).toEqual([
      { model: 'page', id: 'p1', status: 'modified', paths: ['page/p1/data.json'] },
      { model: 'page', id: 'p2', status: 'deleted', paths: ['page/p2/data.json'] },
      { model: 'page', id: 'p3', status: 'added', paths: ['page/p3/cover', 'page/p3/data.json'] },
    ]);
    // nothing of that is in the repository yet
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).toBe('page/p1/data.json\npage/p2/data.json\n');
    expectFsckClean(path);
  });

  it('discard() drops every staged change and reads see the head again', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const c1 = await page('p1', 'One').save({ commit: true, message: 'p1' });
    const p1 = await Page.get('p1');
    p1.title = 'Changed';
    await p1.save();
    await page('p2').save();
    expect(ws.hasChanges()).toBe(true);
    await ws.discard();
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);
    expect((await Page.get('p1')).title).toBe('One');
    expect(await Page.exists('p2')).toBe(false);
    expect(await ws.commit({ message: 'nothing left' })).toBeNull();
    expect(rev(path, 'main')).toBe(c1);

    // on an unborn branch, discard leaves it empty
    const ws2 = await open(newRepoPath());
    await page('x').save();
    await ws2.discard();
    expect(ws2.hasChanges()).toBe(false);
    expect(await Page.all()).toEqual([]);
    expectFsckClean(path);
  });
});

describe('walk()', () => {
  it('lists the commits newest first with oid, message, author and parents, like git log', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    expect(await collect(ws.walk())).toEqual([]);
    const oids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      await page(`p${i}`).save();
      oids.push((await ws.commit({ message: `commit ${i}`, author: { name: `Author ${i}`, email: `a${i}@example.com`, date: when(1_700_000_000 + i * 100), tzOffset: 60 } }))!);
    }
    const walked = await collect(ws.walk());
    expect(walked.map((c) => c.oid)).toEqual(lines(git(path, 'log', '--format=%H', 'main')));
    expect(walked.map((c) => c.oid)).toEqual([...oids].reverse());
    const newest = walked[0];
    expect(newest.message).toBe('commit 4');
    expect(newest.parents).toEqual([oids[2]]);
    expect(newest.tree).toBe(rev(path, 'main^{tree}'));
    expect(newest.author).toEqual({ name: 'Author 4', email: 'a4@example.com', date: when(1_700_000_400), tzOffset: 60 });
    expect(newest.committer).toEqual(newest.author);
    expect(walked[3].parents).toEqual([]);
    // walk({ at }) starts elsewhere
    expect((await collect(ws.walk({ at: 'main~2' }))).map((c) => c.oid)).toEqual([oids[1], oids[0]]);
  });

  it('follows a merge made by the git CLI, listing every commit once in git log order', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const A = (await page('a').save({ commit: true, message: 'A', author: { name: 'T', email: 't@example.com', date: when(1_000_000_000) } }))!;
    const B = (await page('b').save({ commit: true, message: 'B', author: { name: 'T', email: 't@example.com', date: when(1_000_001_500) } }))!;
    git(path, 'branch', 'side', A);
    const side = await open(path, { branch: 'side' });
    expect(side.head).toBe(A);
    // the side commit is newer than B, so a first-parent walk would get the order wrong
    const C = (await page('c').save({ commit: true, message: 'C', author: { name: 'T', email: 't@example.com', date: when(1_000_002_000) } }))!;
    expect(rev(path, 'side')).toBe(C);
    expect(rev(path, 'main')).toBe(B);
    const tree = git(path, 'merge-tree', '--write-tree', B, C).trim().split('\n')[0];
    const M = gitEnv(path, { GIT_COMMITTER_DATE: '@1000003000 +0000', GIT_AUTHOR_DATE: '@1000003000 +0000' }, 'commit-tree', tree, '-p', B, '-p', C, '-m', 'Merge side').trim();
    git(path, 'update-ref', 'refs/heads/main', M, B);

    const ws2 = await open(path);
    expect(ws2.head).toBe(M);
    expect((await Page.all()).map((p) => p.slug)).toEqual(['a', 'b', 'c']);
    let walked = await collect(ws2.walk());
    expect(walked.map((c) => c.oid)).toEqual(lines(git(path, 'log', '--format=%H', 'main')));
    expect(walked.map((c) => c.oid)).toEqual([M, C, B, A]);
    expect(walked[0].parents).toEqual([B, C]);
    expect(walked[0].message).toBe('Merge side');

    const D = (await page('d').save({ commit: true, message: 'D', author: { name: 'T', email: 't@example.com', date: when(1_000_004_000) } }))!;
    expect(git(path, 'log', '-1', '--format=%P', D).trim()).toBe(M);
    walked = await collect(ws2.walk());
    expect(walked.map((c) => c.oid)).toEqual(lines(git(path, 'log', '--format=%H', 'main')));
    expect(new Set(walked.map((c) => c.oid)).size).toBe(walked.length);
    expect(walked.map((c) => c.oid)).toEqual([D, M, C, B, A]);
    // the untouched workspace on main is now stale; nothing of ws is lost
    expect(ws.head).toBe(B);
    expectFsckClean(path);
  });

  it('matches git log on a history with several merges and branch points', async () => {
    const path = newRepoPath();
    await open(path);
    const at = (s: number) => ({ GIT_COMMITTER_DATE: `@${s} +0000`, GIT_AUTHOR_DATE: `@${s} +0000` });
    const empty = git(path, 'mktree').trim();
    const commit = (s: number, msg: string, ...parents: string[]) =>
      gitEnv(path, at(s), 'commit-tree', empty, ...parents.flatMap((p) => ['-p', p]), '-m', msg).trim();
    const r = commit(100, 'root');
    const x1 = commit(200, 'x1', r);
    const y1 = commit(300, 'y1', r);
    const x2 = commit(400, 'x2', x1);
    const m1 = commit(500, 'm1', x2, y1);
    const z1 = commit(250, 'z1 (older than its siblings)', x1);
    const m2 = commit(600, 'm2', m1, z1, y1);
    const top = commit(700, 'top', m2);
    git(path, 'update-ref', 'refs/heads/main', top);
    const ws = await open(path);
    const walked = (await collect(ws.walk())).map((c) => c.oid);
    expect(walked).toEqual(lines(git(path, 'log', '--format=%H', 'main')));
    expect(new Set(walked)).toEqual(new Set([r, x1, y1, x2, m1, z1, m2, top]));
    expect(walked).toHaveLength(8);
    expectFsckClean(path);
  });
});

describe('reads', () => {
  /** Three commits on main: p1's title v1 → v2 → v3; p2 appears in the second. */
  async function history() {
    const path = newRepoPath();
    const ws = await open(path);
    const c1 = (await page('p1', 'v1').save({ commit: true, message: 'c1' }))!;
    const p1 = await Page.get('p1');
    p1.title = 'v2';
    await p1.save();
    await page('p2', 'two').save();
    const c2 = (await ws.commit({ message: 'c2' }))!;
    p1.title = 'v3';
    const c3 = (await p1.save({ commit: true, message: 'c3' }))!;
    return { path, ws, c1, c2, c3 };
  }

  it('get() sees staged, uncommitted changes; get({ at }) sees committed ones', async () => {
    const { path, c3 } = await history();
    const p1 = await Page.get('p1');
    p1.title = 'staged';
    await p1.save();
    await page('p9', 'new').save();
    expect((await Page.get('p1')).title).toBe('staged');
    expect((await Page.get('p9')).title).toBe('new');
    expect(await Page.exists('p9')).toBe(true);
    expect((await Page.get('p1', { at: 'main' })).title).toBe('v3');
    expect(await Page.exists('p9', { at: 'main' })).toBe(false);
    expect(rev(path, 'main')).toBe(c3);
    expect(JSON.parse(git(path, 'show', 'main:page/p1/data.json')).title).toBe('v3');
  });

  it('get({ at }) resolves branches, tags, full and abbreviated oids, HEAD~1 and main^', async () => {
    const { path, c1, c2, c3 } = await history();
    git(path, 'tag', 'light', c1);
    git(path, 'tag', '-a', 'annotated', '-m', 'an annotated tag', c2);
    expect(git(path, 'cat-file', '-t', 'annotated').trim()).toBe('tag');
    const title = async (at: string) => (await Page.get('p1', { at })).title;
    expect(await title('main')).toBe('v3');
    expect(await title('refs/heads/main')).toBe('v3');
    expect(await title('HEAD')).toBe('v3');
    expect(await title(c3)).toBe('v3');
    expect(await title(c1)).toBe('v1');
    expect(await title(c1.slice(0, 7))).toBe('v1');
    expect(await title(c2.slice(0, 12))).toBe('v2');
    expect(await title('HEAD~1')).toBe('v2');
    expect(await title('main^')).toBe('v2');
    expect(await title('main~2')).toBe('v1');
    expect(await title('main^^')).toBe('v1');
    expect(await title('light')).toBe('v1');
    expect(await title('refs/tags/light')).toBe('v1');
    expect(await title('annotated')).toBe('v2');
    expect(await title('annotated~1')).toBe('v1');
    expect(await Page.exists('p2', { at: 'light' })).toBe(false);
    expect(await Page.exists('p2', { at: 'annotated' })).toBe(true);
    const missing = await caught(Page.get('p2', { at: c1 }));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.data).toMatchObject({ model: 'page', id: 'p2', at: c1 });
  });

  it('an unknown `at` throws RefNotFoundError', async () => {
    await history();
    for (const at of ['nope', 'main~5', 'main^2', 'deadbeef', 'f'.repeat(40), 'light']) {
      const err = await caught(Page.get('p1', { at }));
      expect(err, at).toBeInstanceOf(RefNotFoundError);
      expect(err.code).toBe('REF_NOT_FOUND');
      expect(err.data.ref).toBe(at);
    }
    expect(await caught(Page.all({ at: 'nope' }))).toBeInstanceOf(RefNotFoundError);
    expect(await caught(Page.exists('p1', { at: 'nope' }))).toBeInstanceOf(RefNotFoundError);
  });

  it('all() returns every object in id order, by await and by for await, staged or at a revision', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    for (const id of ['b', 'a0', 'a', 'a-b']) await page(id).save();
    const ids = ['a', 'a-b', 'a0', 'b'];
    expect((await Page.all()).map((p) => p.slug)).toEqual(ids);
    expect((await collect(Page.all())).map((p) => p.slug)).toEqual(ids);
    const c1 = (await ws.commit({ message: 'four' }))!;
    expect((await Page.all()).map((p) => p.slug)).toEqual(ids);
    expect((await Page.all({ at: 'main' })).map((p) => p.slug)).toEqual(ids);
    await Page.delete('a0');
    await page('c').save();
    expect((await Page.all()).map((p) => p.slug)).toEqual(['a', 'a-b', 'b', 'c']);
    expect((await Page.all({ at: c1 })).map((p) => p.slug)).toEqual(ids);
    const all = await Page.all();
    expect(all.every((p) => p instanceof Page)).toBe(true);
    expect(all[0].title).toBe('Title of a');
  });

  it('exists() answers for staged, committed and deleted objects', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    expect(await Page.exists('a')).toBe(false);
    await page('a').save();
    expect(await Page.exists('a')).toBe(true);
    await ws.commit({ message: 'a' });
    expect(await Page.exists('a', { at: 'main' })).toBe(true);
    await Page.delete('a');
    expect(await Page.exists('a')).toBe(false);
    expect(await Page.exists('a', { at: 'main' })).toBe(true);
    expectFsckClean(path);
  });
});

describe('deletes', () => {
  it('Page.delete(id) stages, Page.delete(id, { commit: true }) commits, page.delete() deletes the instance', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    for (const id of ['a', 'b', 'c']) await page(id).save();
    const c1 = (await ws.commit({ message: 'three' }))!;

    expect(await Page.delete('a')).toBeNull();
    expect(rev(path, 'main')).toBe(c1);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).toContain('page/a/data.json');
    const c2 = (await ws.commit({ message: 'delete a' }))!;
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).toBe('page/b/data.json\npage/c/data.json\n');

    const c3 = await Page.delete('b', { commit: true, message: 'delete b' });
    expect(c3).toMatch(/^[0-9a-f]{40}$/);
    expect(rev(path, 'main')).toBe(c3);
    expect(git(path, 'log', '-1', '--format=%s%n%P', 'main')).toBe(`delete b\n${c2}\n`);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).toBe('page/c/data.json\n');

    const c = await Page.get('c');
    await c.delete();
    expect(await Page.exists('c')).toBe(false);
    const c4 = (await ws.commit({ message: 'delete c' }))!;
    expect(git(path, 'ls-tree', '-r', 'main')).toBe('');
    expect(git(path, 'rev-parse', `${c4}^{tree}`).trim()).toBe(git(path, 'mktree').trim());
    expectFsckClean(path);
  });

  it('deleting a missing object throws NotFoundError; get of a deleted one too', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const missing = await caught(Page.delete('ghost'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.data).toMatchObject({ model: 'page', id: 'ghost' });

    await page('a').save({ commit: true, message: 'a' });
    await Page.delete('a');
    const gone = await caught(Page.get('a'));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.code).toBe('NOT_FOUND');
    expect(gone.data.model).toBe('page');
    expect(gone.data.id).toBe('a');
    expect(await caught(Page.delete('a'))).toBeInstanceOf(NotFoundError);
    const head = ws.head;
    expect(await caught(Page.delete('ghost', { commit: true }))).toBeInstanceOf(NotFoundError);
    expect(rev(path, 'main')).toBe(head);

    await ws.commit({ message: 'deleted a' });
    expect(await caught(Page.get('a'))).toBeInstanceOf(NotFoundError);
    expect(await caught(Page.get('a', { at: 'main' }))).toBeInstanceOf(NotFoundError);
    expect((await Page.get('a', { at: 'main~1' })).slug).toBe('a');
    // an instance that was never saved has nothing to delete
    expect(await caught(page('never').delete())).toBeInstanceOf(NotFoundError);
    expectFsckClean(path);
  });
});

describe('branches made with the git CLI', () => {
  it('a branch from `git branch other main` reads what main had and commits there without moving main', async () => {
    const path = newRepoPath();
    await open(path);
    await page('a', 'from main').save({ commit: true, message: 'on main' });
    const main = rev(path, 'main');
    git(path, 'branch', 'other', 'main');

    const ws = await open(path, { branch: 'other' });
    expect(ws.head).toBe(main);
    expect((await Page.get('a')).title).toBe('from main');
    expect((await Page.all()).map((p) => p.slug)).toEqual(['a']);
    const oid = await page('b', 'from other').save({ commit: true, message: 'on other' });
    expect(rev(path, 'other')).toBe(oid);
    expect(rev(path, 'main')).toBe(main);
    expect(git(path, 'log', '-1', '--format=%P', 'other').trim()).toBe(main);
    // HEAD in a read means the workspace's branch, not the repository's HEAD
    expect(await Page.exists('b', { at: 'HEAD' })).toBe(true);
    expect(await Page.exists('b', { at: 'main' })).toBe(false);
    expect(JSON.parse(git(path, 'show', 'other:page/b/data.json'))).toMatchObject({ slug: 'b', title: 'from other' });
    expect(git(path, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expectFsckClean(path);
  });

  it('reads a repository whose refs and objects git has packed', async () => {
    const path = newRepoPath();
    const ws0 = await open(path);
    await page('a', 'A').save({ commit: true, message: 'a' });
    await page('b', 'B').save({ commit: true, message: 'b' });
    git(path, 'tag', 'v1', 'main~1');
    git(path, 'gc', '-q', '--prune=now');
    expect(readdirSync(join(path, 'refs', 'heads'))).toEqual([]);
    const ws = await open(path);
    expect(ws.head).toBe(ws0.head);
    expect((await Page.all()).map((p) => p.title)).toEqual(['A', 'B']);
    expect(await Page.exists('b', { at: 'v1' })).toBe(false);
    const oid = await page('c', 'C').save({ commit: true, message: 'c' });
    expect(rev(path, 'main')).toBe(oid);
    expect(lines(git(path, 'log', '--format=%s', 'main'))).toEqual(['c', 'b', 'a']);
    expectFsckClean(path);
  });
});

describe('a branch moved by another writer', () => {
  it('commit() re-applies the staged changes on the new head and commits on top; nothing is lost', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const c1 = (await page('a', 'A').save({ commit: true, message: 'a' }))!;
    await page('b', 'B').save();
    // someone else commits to main with the CLI
    const tree = git(path, 'rev-parse', 'main^{tree}').trim();
    const cli = git(path, 'commit-tree', tree, '-p', c1, '-m', 'from the CLI').trim();
    git(path, 'update-ref', 'refs/heads/main', cli, c1);

    const mine = await ws.commit({ message: 'mine' });
    expect(rev(path, 'main')).toBe(mine);
    expect(ws.head).toBe(mine);
    expect(git(path, 'rev-parse', 'main^').trim()).toBe(cli);
    expect(lines(git(path, 'log', '--format=%s', 'main'))).toEqual(['mine', 'from the CLI', 'a']);
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(path);
  });

  it('commit() throws StaleBranchError when the branch was deleted meanwhile, keeping the staged changes', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    const c1 = (await page('a', 'A').save({ commit: true, message: 'a' }))!;
    await page('b', 'B').save();
    git(path, 'update-ref', '-d', 'refs/heads/main', c1);
    const before = snapshot(path);
    const err = await caught(ws.commit({ message: 'mine' }));
    expect(err).toBeInstanceOf(StaleBranchError);
    expect(err.code).toBe('STALE_BRANCH');
    expect(err.data).toEqual({ branch: 'main', expected: c1, actual: null });
    expect(ws.hasChanges()).toBe(true);
    expect((await Page.get('b')).title).toBe('B');
    expect(ws.head).toBe(c1);
    expect(refExists(path, 'refs/heads/main')).toBe(false);
    expect(snapshot(path)).toEqual(before);
    expectFsckClean(path);
  });

  it('commit() on an unborn branch goes on top of a root commit the CLI made meanwhile', async () => {
    const path = newRepoPath();
    const ws = await open(path);
    await page('a').save();
    const empty = git(path, 'mktree').trim();
    const cli = git(path, 'commit-tree', empty, '-m', 'cli root').trim();
    git(path, 'update-ref', 'refs/heads/main', cli, '');
    const mine = await ws.commit({ message: 'mine' });
    expect(git(path, 'rev-parse', 'main^').trim()).toBe(cli);
    expect(rev(path, 'main')).toBe(mine);
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main').trim()).toBe('page/a/data.json');
    expectFsckClean(path);
  });
});

describe('git show', () => {
  it('prints the data of a saved object from the branch', async () => {
    const path = newRepoPath();
    await open(path);
    await page('hello', 'Hello, world', { content: 'Some *markdown*', tags: ['x', 'y'], published: false }).save({ commit: true, message: 'hello' });
    const json = git(path, 'show', 'main:page/hello/data.json');
    expect(JSON.parse(json)).toMatchObject({ slug: 'hello', title: 'Hello, world', content: 'Some *markdown*', tags: ['x', 'y'], published: false });
    expect(json.endsWith('\n')).toBe(true);
    expect(git(path, 'cat-file', '-t', 'main:page/hello/data.json').trim()).toBe('blob');
    expectFsckClean(path);
  });
});

// type-level use of CommitInfo, so the exported type stays usable
const _typecheck: (c: CommitInfo) => string = (c) => c.oid;
void _typecheck;
