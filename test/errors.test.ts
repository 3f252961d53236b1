// The error catalogue: every typed error gitmodel throws, with its class, `code` and `data`, and
// the promise that a rejected write leaves the workspace index and the repository on disk exactly
// as they were.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  CorruptObjectError,
  DuplicateIdError,
  Field,
  GitModelError,
  Model,
  NotFoundError,
  type Ref,
  RepositoryNotFoundError,
  UnknownModelError,
  UnsafeIdError,
  ValidationError,
  Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { expectFsckClean, git, gitWith, newRepoPath, snapshot, tempDir } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Models of this file

/** A model whose id has no pattern constraint, so unsafe ids reach the id check. */
class Note extends Model {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

/** A model with a JSON field. */
class Doc extends Model {
  @Field({ id: true }) name!: string;
  @Field.json() payload!: unknown;
}

/** A model that refers to a model name nobody registers. */
class Link extends Model {
  @Field({ id: true }) name!: string;
  @Field.ref('nosuchmodel') target!: Ref<object> | string;
}

/** Never registered with any workspace. */
class Orphan extends Model {
  @Field({ id: true }) name!: string;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs git with bytes on stdin; returns trimmed stdout. */
function gitInput(cwd: string, input: string | Buffer, ...args: string[]): string {
  return gitWith(cwd, { input }, ...args).trim();
}

type FileTree = { [name: string]: string | Buffer | FileTree };

/** Writes a (nested) tree with `git hash-object` and `git mktree`; returns its oid. */
function mktree(gitdir: string, tree: FileTree): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const oid = gitInput(gitdir, value, 'hash-object', '-w', '--stdin');
      lines.push(`100644 blob ${oid}\t${name}`);
    } else {
      lines.push(`040000 tree ${mktree(gitdir, value)}\t${name}`);
    }
  }
  return gitInput(gitdir, lines.length ? `${lines.join('\n')}\n` : '', 'mktree');
}

/** A bare repository (made by the git CLI) whose `main` has one commit with exactly these files. */
function bareRepoWith(tree: FileTree): string {
  const gitdir = newRepoPath();
  git(tempDir(), 'init', '-q', '--bare', '-b', 'main', gitdir);
  const treeOid = mktree(gitdir, tree);
  const commit = gitInput(gitdir, 'handmade\n', 'commit-tree', treeOid);
  git(gitdir, 'update-ref', 'refs/heads/main', commit);
  repos.push(gitdir);
  return gitdir;
}

/** Repositories this test wrote to: each must pass `git fsck --strict` when the test ends. */
const repos: string[] = [];

afterEach(() => {
  // (runs before helpers.ts removes the temporary directories: hooks run in stack order)
  for (const gitdir of repos.splice(0)) {
    expect(existsSync(gitdir), `${gitdir} still exists for fsck`).toBe(true);
    expectFsckClean(gitdir);
  }
});

async function open(gitdir = newRepoPath()): Promise<{ ws: Workspace; gitdir: string }> {
  repos.push(gitdir);
  const ws = await Workspace.open(gitdir);
  ws.register(Page, Author, Note, Doc, Link);
  return { ws, gitdir };
}

/** Everything a rejected write must leave alone: the index, what reads see, and the bytes on disk. */
async function capture(ws: Workspace, gitdir: string) {
  // every object as plain JSON; a model whose folder holds a corrupt object reads as that error
  const plain = async (cls: { all(): PromiseLike<object[]> }) => {
    try {
      return (await cls.all()).map((o) => JSON.parse(JSON.stringify(o)) as unknown);
    } catch (error) {
      return { error: (error as GitModelError).code ?? String(error) };
    }
  };
  return {
    hasChanges: ws.hasChanges(),
    diff: await ws.diff(),
    pages: await plain(Page),
    notes: await plain(Note),
    docs: await plain(Doc),
    authors: await plain(Author),
    disk: snapshot(gitdir),
  };
}

/** Runs a call that must throw, and checks that it changed nothing; returns what it threw. */
async function rejectsUnchanged(ws: Workspace, gitdir: string, run: () => unknown): Promise<unknown> {
  const before = await capture(ws, gitdir);
  let thrown: unknown;
  let threw = false;
  try {
    await run();
  } catch (error) {
    thrown = error;
    threw = true;
  }
  expect(threw, 'expected the call to throw').toBe(true);
  expect(await capture(ws, gitdir)).toEqual(before);
  return thrown;
}

type ErrorClass = abstract new (...args: never[]) => GitModelError<object>;

/** Asserts the error's class, code, name and (exactly) its data. */
function expectError(error: unknown, cls: ErrorClass, code: string, data?: object): void {
  expect(error).toBeInstanceOf(cls);
  expect(error).toBeInstanceOf(GitModelError);
  expect(error).toBeInstanceOf(Error);
  const e = error as GitModelError<object>;
  expect(e.code).toBe(code);
  expect(e.name).toBe(cls.name);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(0);
  if (data) expect(e.data).toEqual(data);
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function lsTree(gitdir: string, rev = 'main'): string[] {
  return git(gitdir, 'ls-tree', '-r', '--name-only', rev).split('\n').filter(Boolean);
}

/** A workspace with two committed pages, a and b. */
async function withPages(): Promise<{ ws: Workspace; gitdir: string }> {
  const ctx = await open();
  await new Page({ slug: 'a', title: 'A' }).save();
  await new Page({ slug: 'b', title: 'B' }).save();
  await ctx.ws.commit({ message: 'two pages' });
  return ctx;
}

// ---------------------------------------------------------------------------------------------

describe('NotFoundError', () => {
  it('get of an absent id', async () => {
    const { ws, gitdir } = await withPages();
    const error = await rejectsUnchanged(ws, gitdir, () => Page.get('nope'));
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'nope' });
    expect((error as NotFoundError).data.at).toBeUndefined();
    expectFsckClean(gitdir);
  });

  it('get of an id whose deletion is only staged', async () => {
    const { ws, gitdir } = await withPages();
    await Page.delete('a');
    const error = await rejectsUnchanged(ws, gitdir, () => Page.get('a'));
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'a' });
    // committed history still has it
    expect((await Page.get('a', { at: 'main' })).title).toBe('A');
  });

  it('static delete of an absent id changes nothing', async () => {
    const { ws, gitdir } = await withPages();
    await new Page({ slug: 'staged', title: 'S' }).save();
    const error = await rejectsUnchanged(ws, gitdir, () => Page.delete('nope'));
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'nope' });
    const commitError = await rejectsUnchanged(ws, gitdir, () => Page.delete('nope', { commit: true }));
    expectError(commitError, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'nope' });
    expect(await Page.exists('staged')).toBe(true);
  });

  it('instance delete of an object never saved', async () => {
    const { ws, gitdir } = await withPages();
    const page = new Page({ slug: 'fresh', title: 'F' });
    const error = await rejectsUnchanged(ws, gitdir, () => page.delete());
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'fresh' });
  });

  it('instance delete of a loaded object deleted meanwhile', async () => {
    const { ws, gitdir } = await withPages();
    const page = await Page.get('a');
    await Page.delete('a');
    const error = await rejectsUnchanged(ws, gitdir, () => page.delete());
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'a' });
  });

  it('get at an older commit, before the object existed', async () => {
    const { ws, gitdir } = await open();
    const first = await new Page({ slug: 'a', title: 'A' }).save({ commit: true });
    await new Page({ slug: 'b', title: 'B' }).save({ commit: true });
    expect(first).toMatch(/^[0-9a-f]{40}$/);

    const byOid = await rejectsUnchanged(ws, gitdir, () => Page.get('b', { at: first! }));
    expectError(byOid, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'b', at: first });
    const byRev = await rejectsUnchanged(ws, gitdir, () => Page.get('b', { at: 'main~1' }));
    expectError(byRev, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'b', at: 'main~1' });
    expect((await Page.get('b')).title).toBe('B');
    expect(await Page.exists('b', { at: 'main~1' })).toBe(false);
    expectFsckClean(gitdir);
  });

  it('loading a reference to an absent object', async () => {
    const { ws, gitdir } = await open();
    const page = new Page({ slug: 'p', title: 'P' });
    page.author = 'ghost' as unknown as Ref<Author>;
    await page.save({ commit: true });
    const loaded = await Page.get('p');
    expect(loaded.author?.id).toBe('ghost');
    const error = await rejectsUnchanged(ws, gitdir, () => loaded.author!.load());
    expectError(error, NotFoundError, 'NOT_FOUND', { model: 'author', id: 'ghost' });
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------

describe('ValidationError', () => {
  it('reports every failing field of a Page in one error and writes nothing', async () => {
    const { ws, gitdir } = await withPages();
    const page = new Page({ slug: 'not a slug!', content: 42 as unknown as string, tags: ['ok', 7] as unknown as string[] });
    // title is required and missing
    const error = await rejectsUnchanged(ws, gitdir, () => page.save());
    expectError(error, ValidationError, 'VALIDATION');
    const data = (error as ValidationError).data;
    expect(data.model).toBe('page');
    expect(data.id).toBe('not a slug!');
    const byField = new Map(data.failures.map((f) => [f.field, f.constraints]));
    expect([...byField.keys()].sort()).toEqual(['content', 'slug', 'tags', 'title']);
    expect(byField.get('title')).toHaveProperty('required');
    expect(byField.get('content')).toHaveProperty('type');
    expect(byField.get('tags')).toHaveProperty('type');
    expect(byField.get('slug')).toHaveProperty('matches');
    for (const failure of data.failures) {
      expect(Object.keys(failure.constraints).length).toBeGreaterThan(0);
      for (const message of Object.values(failure.constraints)) expect(typeof message).toBe('string');
    }
    // and with commit: true, also nothing
    const again = await rejectsUnchanged(ws, gitdir, () => page.save({ commit: true }));
    expectError(again, ValidationError, 'VALIDATION');
    expect(await Page.exists('not a slug!')).toBe(false);
    expectFsckClean(gitdir);
  });

  it('reports a bad email, a bad handle and an over-long name of an Author together', async () => {
    const { ws, gitdir } = await withPages();
    const author = new Author({ handle: 'Bad Handle', name: 'x'.repeat(101), email: 'not-an-email' });
    const error = await rejectsUnchanged(ws, gitdir, () => author.save());
    expectError(error, ValidationError, 'VALIDATION');
    const data = (error as ValidationError).data;
    expect(data.model).toBe('author');
    const byField = new Map(data.failures.map((f) => [f.field, f.constraints]));
    expect([...byField.keys()].sort()).toEqual(['email', 'handle', 'name']);
    expect(byField.get('email')).toHaveProperty('isEmail');
    expect(byField.get('handle')).toHaveProperty('matches');
    expect(byField.get('name')).toHaveProperty('isLength');
  });

  it('a null in a non-nullable field and a wrong type in a nullable one', async () => {
    const { ws, gitdir } = await withPages();
    const page = new Page({ slug: 'n', title: 'T' });
    (page as unknown as Record<string, unknown>).published = null;
    (page as unknown as Record<string, unknown>).updatedAt = 'yesterday';
    const error = await rejectsUnchanged(ws, gitdir, () => page.save());
    expectError(error, ValidationError, 'VALIDATION');
    const byField = new Map((error as ValidationError).data.failures.map((f) => [f.field, f.constraints]));
    expect([...byField.keys()].sort()).toEqual(['published', 'updatedAt']);
    expect(byField.get('published')).toHaveProperty('nullable');
    expect(byField.get('updatedAt')).toHaveProperty('type');
  });

  it('an unknown key given to the constructor', () => {
    const error = (() => {
      try {
        // @ts-expect-error the typed constructor refuses it too: this is the check at run time
        new Page({ slug: 'x', title: 'X', bogus: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expectError(error, ValidationError, 'VALIDATION');
    expect((error as ValidationError).data.model).toBe('page');
    expect((error as ValidationError).data.failures.map((f) => f.field)).toEqual(['bogus']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('DuplicateIdError', () => {
  it('saving a new object with a committed id', async () => {
    const { ws, gitdir } = await withPages();
    const error = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'a', title: 'Other' }).save());
    expectError(error, DuplicateIdError, 'DUPLICATE_ID', { model: 'page', id: 'a' });
    const withCommit = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'a', title: 'Other' }).save({ commit: true }));
    expectError(withCommit, DuplicateIdError, 'DUPLICATE_ID', { model: 'page', id: 'a' });
    expect((await Page.get('a')).title).toBe('A');
    expectFsckClean(gitdir);
  });

  it('saving a new object with an id that is only staged', async () => {
    const { ws, gitdir } = await withPages();
    await new Page({ slug: 'c', title: 'C' }).save();
    const error = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'c', title: 'Other' }).save());
    expectError(error, DuplicateIdError, 'DUPLICATE_ID', { model: 'page', id: 'c' });
    expect((await Page.get('c')).title).toBe('C');
  });

  it('saving an object loaded with get() is fine, and so is saving a new object twice', async () => {
    const { ws, gitdir } = await withPages();
    const a = await Page.get('a');
    a.title = 'A2';
    await a.save();
    const c = new Page({ slug: 'c', title: 'C' });
    await c.save();
    c.title = 'C2';
    await c.save();
    await ws.commit({ message: 'edits' });
    expect((await Page.get('a')).title).toBe('A2');
    expect((await Page.get('c')).title).toBe('C2');
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json', 'page/c/data.json']);
    expectFsckClean(gitdir);
  });

  it('changing a loaded object\u2019s id and saving moves it', async () => {
    const { ws, gitdir } = await withPages();
    const a = await Page.get('a');
    a.slug = 'moved';
    await a.save();
    expect(await Page.exists('a')).toBe(false);
    expect((await Page.get('moved')).title).toBe('A');
    await ws.commit({ message: 'move' });
    expect(lsTree(gitdir)).toEqual(['page/b/data.json', 'page/moved/data.json']);
    // saving it again keeps it where it is now
    a.title = 'A3';
    await a.save({ commit: true });
    expect(lsTree(gitdir)).toEqual(['page/b/data.json', 'page/moved/data.json']);
    expect((await Page.get('moved')).title).toBe('A3');
    expectFsckClean(gitdir);
  });

  it('moving onto an existing id is a DuplicateIdError and changes nothing', async () => {
    const { ws, gitdir } = await withPages();
    const a = await Page.get('a');
    a.slug = 'b';
    const error = await rejectsUnchanged(ws, gitdir, () => a.save());
    expectError(error, DuplicateIdError, 'DUPLICATE_ID', { model: 'page', id: 'b' });
    const withCommit = await rejectsUnchanged(ws, gitdir, () => a.save({ commit: true }));
    expectError(withCommit, DuplicateIdError, 'DUPLICATE_ID', { model: 'page', id: 'b' });
    expect((await Page.get('a')).title).toBe('A');
    expect((await Page.get('b')).title).toBe('B');
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json']);
    // the failed move did not break the object: moving back to its own id saves in place
    a.slug = 'a';
    a.title = 'A again';
    await a.save({ commit: true });
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json']);
    expect((await Page.get('a')).title).toBe('A again');
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------

describe('UnsafeIdError', () => {
  const unsafe: [label: string, id: string][] = [
    ['..', '..'],
    ['.', '.'],
    ['a/b', 'a/b'],
    ['a\\b', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['empty', ''],
    ['.git', '.git'],
    ['.GIT', '.GIT'],
    ['.Git', '.Git'],
    // as folders, git fsck --strict rejects these (gitmodulesBlob, gitattributesBlob)
    ['.gitmodules', '.gitmodules'],
    ['.GitAttributes', '.GitAttributes'],
    ['newline', 'a\nb'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['201 ASCII bytes', 'a'.repeat(201)],
    ['202 bytes in 101 characters', '\u00e9'.repeat(101)],
    ['non-NFC', 'e\u0301'],
  ];

  it.each(unsafe)('save of id %s', async (_label, id) => {
    const { ws, gitdir } = await withPages();
    await new Note({ name: 'kept', text: 'k' }).save();
    const note = new Note({ name: id, text: 'x' });
    const error = await rejectsUnchanged(ws, gitdir, () => note.save());
    expectError(error, UnsafeIdError, 'UNSAFE_ID', { model: 'note', id, reason: expect.any(String) });
    expect((error as UnsafeIdError).data.reason.length).toBeGreaterThan(0);
    const withCommit = await rejectsUnchanged(ws, gitdir, () => note.save({ commit: true }));
    expectError(withCommit, UnsafeIdError, 'UNSAFE_ID', { model: 'note', id, reason: expect.any(String) });
  });

  it.each(unsafe)('get, exists and delete of id %s', async (_label, id) => {
    const { ws, gitdir } = await withPages();
    for (const run of [
      () => Note.get(id),
      () => Note.get(id, { at: 'main' }),
      () => Note.exists(id),
      () => Note.delete(id),
      () => Note.delete(id, { commit: true }),
      () => Page.get(id),
      () => Page.exists(id),
      () => Page.delete(id),
    ]) {
      const error = await rejectsUnchanged(ws, gitdir, run);
      expectError(error, UnsafeIdError, 'UNSAFE_ID');
      expect((error as UnsafeIdError).data).toEqual({ model: expect.stringMatching(/^(note|page)$/), id, reason: expect.any(String) });
    }
  });

  it('moving a loaded object to an unsafe id', async () => {
    const { ws, gitdir } = await withPages();
    await new Note({ name: 'n', text: 'x' }).save({ commit: true });
    const note = await Note.get('n');
    note.name = '../escape';
    const error = await rejectsUnchanged(ws, gitdir, () => note.save());
    expectError(error, UnsafeIdError, 'UNSAFE_ID', { model: 'note', id: '../escape', reason: expect.any(String) });
    expect(lsTree(gitdir)).toEqual(['note/n/data.json', 'page/a/data.json', 'page/b/data.json']);
  });

  it('a non-string id', async () => {
    const { ws, gitdir } = await withPages();
    const error = await rejectsUnchanged(ws, gitdir, () => Page.get(5 as unknown as string));
    expectError(error, UnsafeIdError, 'UNSAFE_ID', { model: 'page', id: '5', reason: expect.any(String) });
  });

  it('ids at the edge are fine: exactly 200 bytes, NFC, dots inside', async () => {
    const { ws, gitdir } = await open();
    const ids = ['a'.repeat(200), '\u00e9'.repeat(100), 'caf\u00e9', 'a.b', '..a', '.gitx', 'a b'];
    for (const id of ids) {
      await new Note({ name: id }).save();
      expect((await Note.get(id)).name).toBe(id);
    }
    await ws.commit({ message: 'edge ids' });
    expect((await Note.all()).map((n) => n.name).sort()).toEqual([...ids].sort());
    expect(git(gitdir, 'ls-tree', '-r', '-z', '--name-only', 'main').split('\0').filter(Boolean).sort()).toEqual(
      ids.map((id) => `note/${id}/data.json`).sort(),
    );
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------

describe('UnknownModelError', () => {
  it('using a class never registered with a workspace', async () => {
    const { ws, gitdir } = await withPages();
    for (const run of [
      () => Orphan.get('x'),
      () => Orphan.exists('x'),
      () => Orphan.all().toArray(),
      () => Orphan.delete('x'),
      () => new Orphan({ name: 'x' }).save(),
      () => new Orphan({ name: 'x' }).save({ commit: true }),
    ]) {
      const error = await rejectsUnchanged(ws, gitdir, run);
      expectError(error, UnknownModelError, 'UNKNOWN_MODEL');
      expect((error as UnknownModelError).data.model).toMatch(/^orphan$/i);
      expect(Object.keys((error as UnknownModelError).data)).toEqual(['model']);
    }
  });

  it('ws.model of a name nobody registered', async () => {
    const { ws } = await open();
    expectError(await caught(() => ws.model('nosuchmodel')), UnknownModelError, 'UNKNOWN_MODEL', { model: 'nosuchmodel' });
  });

  it('a Field.ref to a model name nobody registered, loaded', async () => {
    const { ws, gitdir } = await open();
    await new Link({ name: 'l', target: 'x' }).save({ commit: true });
    const link = await Link.get('l');
    const ref = link.target as Ref<object>;
    expect(ref.id).toBe('x');
    const error = await rejectsUnchanged(ws, gitdir, () => ref.load());
    expectError(error, UnknownModelError, 'UNKNOWN_MODEL', { model: 'nosuchmodel' });
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------

describe('RepositoryNotFoundError', () => {
  it('open of a missing path with { create: false } creates nothing', async () => {
    const path = join(tempDir(), 'missing', 'data.git');
    const error = await caught(() => Workspace.open(path, { create: false }));
    expectError(error, RepositoryNotFoundError, 'REPOSITORY_NOT_FOUND', { path, reason: expect.any(String) });
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(path, '..'))).toBe(false);
  });

  it('open of a file', async () => {
    const dir = tempDir();
    const path = join(dir, 'file.txt');
    writeFileSync(path, 'not a repository\n');
    const before = snapshot(dir);
    for (const options of [{}, { create: false }, { create: true }]) {
      const error = await caught(() => Workspace.open(path, options));
      expectError(error, RepositoryNotFoundError, 'REPOSITORY_NOT_FOUND', { path, reason: expect.any(String) });
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('open of an empty directory with { create: false } leaves it empty', async () => {
    const dir = tempDir();
    const error = await caught(() => Workspace.open(dir, { create: false }));
    expectError(error, RepositoryNotFoundError, 'REPOSITORY_NOT_FOUND', { path: dir, reason: expect.any(String) });
    expect(snapshot(dir)).toEqual(new Map());
  });

  it('open of a non-empty directory that is not a repository', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    const before = snapshot(dir);
    const error = await caught(() => Workspace.open(dir));
    expectError(error, RepositoryNotFoundError, 'REPOSITORY_NOT_FOUND', { path: dir, reason: expect.any(String) });
    expect(snapshot(dir)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

describe('ConfigurationError', () => {
  it('two fields marked id: thrown by new and by ws.register', async () => {
    class TwoIds extends Model {
      @Field({ id: true }) a!: string;
      @Field({ id: true }) b!: string;
    }
    expectError(await caught(() => new TwoIds({ a: 'x', b: 'y' })), ConfigurationError, 'CONFIGURATION', { model: 'two-ids' });
    class TwoIdsAgain extends Model {
      @Field({ id: true }) a!: string;
      @Field({ id: true }) b!: string;
    }
    const { ws } = await open();
    expectError(await caught(() => ws.register(TwoIdsAgain)), ConfigurationError, 'CONFIGURATION', { model: 'two-ids-again' });
    // not registered after the failure
    expectError(await caught(() => TwoIdsAgain.get('x')), UnknownModelError, 'UNKNOWN_MODEL');
  });

  it('a field with no type metadata', async () => {
    class Untyped extends Model {
      @Field({ id: true }) name!: string;
      declare mystery: unknown;
    }
    Field()(Untyped.prototype, 'mystery'); // by hand: TypeScript emitted no design:type
    const viaNew = await caught(() => new Untyped({ name: 'x' }));
    expectError(viaNew, ConfigurationError, 'CONFIGURATION', { model: 'untyped', field: 'mystery' });
    expect((viaNew as Error).message).toMatch(/emitDecoratorMetadata|type/);
    const { ws } = await open();
    expectError(await caught(() => ws.register(Untyped)), ConfigurationError, 'CONFIGURATION', { model: 'untyped', field: 'mystery' });
  });

  it('registering a class that does not extend Model', async () => {
    class Plain {
      name = '';
    }
    const { ws } = await open();
    expectError(await caught(() => ws.register(Plain)), ConfigurationError, 'CONFIGURATION', { model: 'Plain' });
  });

  it('two classes with the same model name in one workspace; the second stays unregistered', async () => {
    @Model({ name: 'shared' })
    class First extends Model {
      @Field({ id: true }) name!: string;
      @Field() first: string = '';
    }
    @Model({ name: 'shared' })
    class Second extends Model {
      @Field({ id: true }) name!: string;
      @Field() second: number = 0;
    }
    const { ws, gitdir } = await open();
    ws.register(First);
    ws.register(First); // the same class twice is fine
    await new First({ name: 'f', first: 'yes' }).save({ commit: true });
    const error = await caught(() => ws.register(Second));
    expectError(error, ConfigurationError, 'CONFIGURATION', { model: 'shared' });
    expect(ws.model('shared')).toBe(First);
    // a rejected registration must not bind the class: it would read and write First's folder
    const before = await capture(ws, gitdir);
    await expect(Second.get('f'), 'Second.get read First\'s object').rejects.toBeInstanceOf(UnknownModelError);
    await expect(new Second({ name: 'g', second: 1 }).save(), 'Second.save staged into First\'s folder').rejects.toBeInstanceOf(
      UnknownModelError,
    );
    expect(await capture(ws, gitdir)).toEqual(before);
    expect(await ws.diff()).toEqual([]);
    expectFsckClean(gitdir);
  });

  it('an author with < in the name: Workspace.open creates nothing', async () => {
    const path = newRepoPath();
    const error = await caught(() => Workspace.open(path, { author: { name: 'Eve <evil', email: 'eve@example.com' } }));
    expectError(error, ConfigurationError, 'CONFIGURATION');
    expect(existsSync(path)).toBe(false);
  });

  it('an author with < in the name: ws.commit writes nothing and keeps the staged changes', async () => {
    const { ws, gitdir } = await withPages();
    await new Page({ slug: 'c', title: 'C' }).save();
    const bad = [
      { name: 'Eve <evil', email: 'eve@example.com' },
      { name: 'Eve', email: 'eve@example.com>' },
      { name: 'Eve\nX', email: 'eve@example.com' },
    ];
    for (const author of bad) {
      const error = await rejectsUnchanged(ws, gitdir, () => ws.commit({ message: 'bad author', author }));
      expectError(error, ConfigurationError, 'CONFIGURATION');
      const committer = await rejectsUnchanged(ws, gitdir, () => ws.commit({ message: 'bad committer', committer: author }));
      expectError(committer, ConfigurationError, 'CONFIGURATION');
    }
    expect(ws.hasChanges()).toBe(true);
    expect(await ws.commit({ message: 'good' })).toMatch(/^[0-9a-f]{40}$/);
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json', 'page/c/data.json']);
    expectFsckClean(gitdir);
  });

  it('an author with < in the name: save({ commit: true }) writes nothing and stages nothing', async () => {
    const { ws, gitdir } = await withPages();
    const author = { name: 'Eve <evil', email: 'eve@example.com' };
    const error = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'c', title: 'C' }).save({ commit: true, author }));
    expectError(error, ConfigurationError, 'CONFIGURATION');
    expect(ws.hasChanges()).toBe(false);
    expect(await Page.exists('c')).toBe(false);
    expectFsckClean(gitdir);
  });

  it('an author with < in the name: delete({ commit: true }) writes nothing and stages nothing', async () => {
    const { ws, gitdir } = await withPages();
    const author = { name: 'Eve <evil', email: 'eve@example.com' };
    const del = await rejectsUnchanged(ws, gitdir, () => Page.delete('a', { commit: true, author }));
    expectError(del, ConfigurationError, 'CONFIGURATION');
    const page = await Page.get('a');
    const instanceDel = await rejectsUnchanged(ws, gitdir, () => page.delete({ commit: true, author }));
    expectError(instanceDel, ConfigurationError, 'CONFIGURATION');
    expect(ws.hasChanges()).toBe(false);
    expect(await Page.exists('a')).toBe(true);
    expectFsckClean(gitdir);
  });

  it('a field of a type gitmodel cannot store', async () => {
    class Mapped extends Model {
      @Field({ id: true }) name!: string;
      @Field() lookup!: Map<string, string>;
    }
    expectError(await caught(() => new Mapped({ name: 'x' })), ConfigurationError, 'CONFIGURATION', { model: 'mapped', field: 'lookup' });
    const { ws } = await open();
    expectError(await caught(() => ws.register(Mapped)), ConfigurationError, 'CONFIGURATION', { model: 'mapped', field: 'lookup' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('CorruptObjectError', () => {
  const PATH = 'page/bad/data.json';
  const good = (extra: Record<string, unknown> = {}) => JSON.stringify({ slug: 'bad', title: 'T', ...extra });

  async function openCorrupt(dataJson: string | FileTree) {
    const gitdir = bareRepoWith({
      page: {
        bad: typeof dataJson === 'string' ? { 'data.json': dataJson } : dataJson,
        ok: { 'data.json': `${good({ slug: 'ok' })}\n` },
      },
    });
    const ws = await Workspace.open(gitdir, { create: false });
    ws.register(Page, Author, Note, Doc, Link);
    return { ws, gitdir };
  }

  async function expectCorrupt(dataJson: string | FileTree, data: object) {
    const { ws, gitdir } = await openCorrupt(dataJson);
    for (const at of [undefined, 'main']) {
      const error = await rejectsUnchanged(ws, gitdir, () => Page.get('bad', { at }));
      expectError(error, CorruptObjectError, 'CORRUPT_OBJECT', data);
    }
    // the other object still reads
    expect((await Page.get('ok')).title).toBe('T');
    return { ws, gitdir };
  }

  it('(a) not JSON', async () => {
    await expectCorrupt('{ "slug": "bad", ', { path: PATH, reason: expect.any(String) });
  });

  it('(b) a JSON array', async () => {
    await expectCorrupt('["bad", "T"]', { path: PATH, reason: expect.any(String) });
  });

  it('(b) other JSON that is not an object: null, a string, a number', async () => {
    for (const text of ['null', '"bad"', '42']) await expectCorrupt(text, { path: PATH, reason: expect.any(String) });
  });

  it('(c) an object whose title is a number', async () => {
    await expectCorrupt(JSON.stringify({ slug: 'bad', title: 42 }), { path: PATH, field: 'title', reason: expect.any(String) });
  });

  it('(c) other wrong field types: tags not an array, a tag not a string, null in a non-nullable field', async () => {
    await expectCorrupt(good({ tags: 'x' }), { path: PATH, field: 'tags', reason: expect.any(String) });
    await expectCorrupt(good({ tags: ['x', 1] }), { path: PATH, field: 'tags', reason: expect.any(String) });
    await expectCorrupt(good({ published: null }), { path: PATH, field: 'published', reason: expect.any(String) });
    await expectCorrupt(good({ cover: { file: 'nope' } }), { path: PATH, field: 'cover', reason: expect.any(String) });
  });

  it('(d) an object with a __proto__ key does not pollute Object.prototype', async () => {
    const text = '{"slug": "bad", "title": "T", "__proto__": {"polluted": "yes", "title": 1}}';
    const { ws, gitdir } = await openCorrupt(text);
    for (const at of [undefined, 'main']) {
      const error = await rejectsUnchanged(ws, gitdir, () => Page.get('bad', { at }));
      expectError(error, CorruptObjectError, 'CORRUPT_OBJECT');
      expect((error as CorruptObjectError).data.path).toBe(PATH);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await Page.get('ok')).title).toBe('T');
  });

  it('(d) a constructor key, and a nested __proto__ key', async () => {
    const { ws, gitdir } = await openCorrupt('{"slug": "bad", "title": "T", "constructor": {"prototype": {"polluted": 1}}}');
    const error = await rejectsUnchanged(ws, gitdir, () => Page.get('bad'));
    expectError(error, CorruptObjectError, 'CORRUPT_OBJECT');
    expect((error as CorruptObjectError).data.path).toBe(PATH);

    const gitdir2 = bareRepoWith({ doc: { d: { 'data.json': '{"name": "d", "payload": {"a": {"__proto__": {"polluted": 1}}}}' } } });
    const ws2 = await Workspace.open(gitdir2, { create: false });
    ws2.register(Doc);
    const nested = await rejectsUnchanged(ws2, gitdir2, () => Doc.get('d'));
    expectError(nested, CorruptObjectError, 'CORRUPT_OBJECT');
    expect((nested as CorruptObjectError).data.path).toBe('doc/d/data.json');
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('(e) a date field that is not ISO 8601', async () => {
    for (const date of ['yesterday', '2024-01-02', '2024-01-02T03:04:05', '2024-13-45T99:99:99Z', 1700000000000]) {
      await expectCorrupt(good({ updatedAt: date }), { path: PATH, field: 'updatedAt', reason: expect.any(String) });
    }
  });

  it('a data.json whose slug differs from its folder name', async () => {
    await expectCorrupt(JSON.stringify({ slug: 'other', title: 'T' }), { path: PATH, field: 'slug', reason: expect.any(String) });
  });

  it('a data.json with no slug at all', async () => {
    await expectCorrupt(JSON.stringify({ title: 'T' }), { path: PATH, field: 'slug', reason: expect.any(String) });
  });

  it('a blob field whose file is missing', async () => {
    const cover = { file: 'cover', size: 3, oid: '0123456789abcdef0123456789abcdef01234567' };
    await expectCorrupt({ 'data.json': good({ cover }) }, { path: 'page/bad/cover', field: 'cover', reason: expect.any(String) });
  });

  it('data.json being a directory', async () => {
    const { ws, gitdir } = await openCorrupt({ 'data.json': { inner: 'x' } });
    for (const at of [undefined, 'main']) {
      const error = await rejectsUnchanged(ws, gitdir, () => Page.get('bad', { at }));
      expectError(error, CorruptObjectError, 'CORRUPT_OBJECT');
      expect((error as CorruptObjectError).data.path).toBe(PATH);
    }
  });

  it('page/bad being a file where a folder is expected: not found, never a raw error', async () => {
    const gitdir = bareRepoWith({ page: { bad: good(), ok: { 'data.json': good({ slug: 'ok' }) } } });
    const ws = await Workspace.open(gitdir, { create: false });
    ws.register(Page, Author);
    for (const at of [undefined, 'main']) {
      const error = await caught(() => Page.get('bad', { at }));
      expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'bad', at });
      expect(await Page.exists('bad', { at })).toBe(false);
      expect((await Page.all({ at })).map((p) => p.slug)).toEqual(['ok']);
    }
    const del = await caught(() => Page.delete('bad'));
    expectError(del, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'bad' });
    expect(ws.hasChanges()).toBe(false);
  });

  it('page being a file: not found, never a raw error', async () => {
    const gitdir = bareRepoWith({ page: good(), other: { x: 'y' } });
    const ws = await Workspace.open(gitdir, { create: false });
    ws.register(Page, Author);
    for (const at of [undefined, 'main']) {
      const error = await caught(() => Page.get('bad', { at }));
      expectError(error, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'bad', at });
      expect(await Page.exists('bad', { at })).toBe(false);
      expect(await Page.all({ at })).toEqual([]);
    }
    const del = await caught(() => Page.delete('bad'));
    expectError(del, NotFoundError, 'NOT_FOUND', { model: 'page', id: 'bad' });
    expect(ws.hasChanges()).toBe(false);
  });

  it('a repository built in a non-bare repo, opened with { branch }', async () => {
    const dir = tempDir();
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
    git(dir, 'checkout', '-q', '-b', 'data');
    mkdirSync(join(dir, 'page', 'bad'), { recursive: true });
    writeFileSync(join(dir, 'page', 'bad', 'data.json'), JSON.stringify({ slug: 'bad', title: 42 }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'bad page');
    git(dir, 'checkout', '-q', 'main');
    const ws = await Workspace.open(dir, { branch: 'data' });
    ws.register(Page, Author);
    const gitdir = join(dir, '.git');
    repos.push(gitdir);
    const error = await rejectsUnchanged(ws, gitdir, () => Page.get('bad'));
    expectError(error, CorruptObjectError, 'CORRUPT_OBJECT', { path: PATH, field: 'title', reason: expect.any(String) });
  });
});

// ---------------------------------------------------------------------------------------------

describe('JSON fields', () => {
  class Thing {
    x = 1;
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  const rejected: [label: string, make: () => unknown][] = [
    ['a function', () => () => 1],
    ['a function inside', () => ({ a: { f() {} } })],
    ['a class instance', () => new Thing()],
    ['a class instance inside an array', () => [1, new Thing()]],
    ['a Date', () => ({ when: new Date(0) })],
    ['a Map', () => new Map([[1, 2]])],
    ['NaN', () => NaN],
    ['NaN inside', () => ({ n: [1, NaN] })],
    ['Infinity inside', () => ({ n: -Infinity })],
    ['a bigint inside', () => ({ n: 1n })],
    ['a symbol inside', () => ({ s: Symbol('s') })],
    ['undefined inside an object', () => ({ a: undefined })],
    ['undefined inside an array', () => [1, undefined]],
    ['a __proto__ key', () => JSON.parse('{"__proto__": {"polluted": 1}}') as unknown],
    ['a nested __proto__ key', () => ({ a: JSON.parse('{"__proto__": 1}') as unknown })],
    ['a constructor key', () => ({ constructor: 1 })],
    ['a nested constructor key', () => [{ b: { constructor: { prototype: 1 } } }]],
    ['a circular object', () => circular],
  ];

  it.each(rejected)('rejects %s on save with a ValidationError, writing nothing', async (_label, make) => {
    const { ws, gitdir } = await withPages();
    await new Doc({ name: 'kept', payload: { fine: [1, 'two', null, true] } }).save();
    const doc = new Doc({ name: 'd', payload: make() });
    const error = await rejectsUnchanged(ws, gitdir, () => doc.save());
    expectError(error, ValidationError, 'VALIDATION');
    const data = (error as ValidationError).data;
    expect(data.model).toBe('doc');
    expect(data.id).toBe('d');
    expect(data.failures.map((f) => f.field)).toEqual(['payload']);
    expect(Object.keys(data.failures[0].constraints).length).toBeGreaterThan(0);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('accepts plain JSON, including null-prototype objects', async () => {
    const { gitdir } = await open();
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
    await new Doc({ name: 'd', payload: { list: [1, 'x', null, false, { z: bare }] } }).save({ commit: true });
    expect((await Doc.get('d')).payload).toEqual({ list: [1, 'x', null, false, { z: { a: 1, b: 2 } }] });
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------

describe('a rejected save leaves the index as it was', () => {
  it('the good object stays staged and the commit holds only it', async () => {
    const { ws, gitdir } = await withPages();
    await new Page({ slug: 'good', title: 'Good' }).save();
    const stagedDiff = await ws.diff();
    expect(stagedDiff).toEqual([{ model: 'page', id: 'good', status: 'added', paths: ['page/good/data.json'] }]);

    const invalid = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'bad', title: '' }).save());
    expectError(invalid, ValidationError, 'VALIDATION');
    const duplicate = await rejectsUnchanged(ws, gitdir, () => new Page({ slug: 'a', title: 'dup' }).save());
    expectError(duplicate, DuplicateIdError, 'DUPLICATE_ID');
    const unsafeId = await rejectsUnchanged(ws, gitdir, () => new Note({ name: '..' }).save());
    expectError(unsafeId, UnsafeIdError, 'UNSAFE_ID');
    const json = await rejectsUnchanged(ws, gitdir, () => new Doc({ name: 'j', payload: NaN }).save());
    expectError(json, ValidationError, 'VALIDATION');
    const withBlob = new Page({ slug: 'blobby', title: '', cover: new Uint8Array([1, 2, 3]) });
    const blob = await rejectsUnchanged(ws, gitdir, () => withBlob.save());
    expectError(blob, ValidationError, 'VALIDATION');

    expect(ws.hasChanges()).toBe(true);
    expect(await ws.diff()).toEqual(stagedDiff);
    const oid = await ws.commit({ message: 'only the good one' });
    expect(oid).toMatch(/^[0-9a-f]{40}$/);
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json', 'page/good/data.json']);
    expect(git(gitdir, 'diff-tree', '--no-commit-id', '--name-status', '-r', 'main~1', 'main').trim()).toBe('A\tpage/good/data.json');
    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);
    expectFsckClean(gitdir);
  });

  it('a rejected move leaves the loaded object saveable in place', async () => {
    const { ws, gitdir } = await withPages();
    const a = await Page.get('a');
    a.slug = 'b';
    a.title = 'changed';
    await rejectsUnchanged(ws, gitdir, () => a.save());
    a.slug = 'a';
    await a.save({ commit: true });
    expect(lsTree(gitdir)).toEqual(['page/a/data.json', 'page/b/data.json']);
    expect((await Page.get('b')).title).toBe('B');
    expect((await Page.get('a')).title).toBe('changed');
    expectFsckClean(gitdir);
  });
});
