// Edge cases a code review found, each once a bug: ids and dates git fsck rejects, git's own
// multi-pack-index, one object twice in a pack, reads racing another process's pack merge, a
// conditional constructor write, the read cache and the id/path check, a failed commit after a
// staged save, and ref names that clash as file and folder.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BranchCheckedOutError,
  ConfigurationError,
  CorruptObjectError,
  Field,
  InvalidRefNameError,
  Model,
  UnsafeIdError,
  Workspace,
} from '../lib/index.js';
import { Page } from '../models-example/models.js';
import { cliRepoWithCheckout, expectFsckClean, git, gitWith, newRepoPath, snapshot } from './helpers.js';

class Note extends Model {
  @Field({ id: true }) key!: string;
  @Field() text: string = '';
}

class Photo extends Model {
  @Field({ id: true }) key!: string;
  @Field.blob({ required: false }) image?: Uint8Array;
}

async function open(path = newRepoPath(), options = {}) {
  const ws = await Workspace.open(path, options);
  ws.register(Note, Photo, Page);
  return { ws, path };
}

describe('ids git or another platform would not keep apart', () => {
  const unsafe = ['git~1', 'GIT~1', '.git.', '.git ', '.g\u200cit', 'gitmod~1', '.gitmodules.', 'CON', 'con.txt', 'lpt1', 'a:b', 'a|b', 'a?', 'abc.', 'abc '];
  for (const key of unsafe) {
    it(`refuses ${JSON.stringify(key)} and writes nothing`, async () => {
      const { ws, path } = await open();
      const before = snapshot(path);
      await expect(new Note({ key }).save({ commit: true, message: 'x' })).rejects.toBeInstanceOf(UnsafeIdError);
      expect(ws.hasChanges()).toBe(false);
      expect(snapshot(path)).toEqual(before);
    });
  }

  it('still accepts ordinary ids with dots, tildes and spaces inside', async () => {
    const { path } = await open();
    for (const key of ['a.b', 'x~y', 'a b', '.gitx', 'console']) await new Note({ key }).save();
    await Note.get('a.b');
    await new Note({ key: 'z' }).save({ commit: true, message: 'ok' });
    expectFsckClean(path);
  });
});

describe('author dates and time zones git fsck rejects', () => {
  const bad = [
    { name: 'A', email: 'a@example.com', date: new Date('1960-01-01T00:00:00Z') },
    { name: 'A', email: 'a@example.com', tzOffset: 90.5 },
    { name: 'A', email: 'a@example.com', tzOffset: 6000 },
  ];
  for (const author of bad) {
    it(`refuses ${JSON.stringify(author)} before anything is written`, async () => {
      const { ws, path } = await open();
      await new Note({ key: 'n' }).save({ commit: true, message: 'first' });
      const before = snapshot(path);
      await expect(new Note({ key: 'm' }).save({ commit: true, message: 'x', author })).rejects.toBeInstanceOf(ConfigurationError);
      expect(snapshot(path)).toEqual(before);
      expect(ws.hasChanges()).toBe(false);
      expectFsckClean(path);
    });
  }
});

describe('packs', () => {
  it('maintain() leaves no multi-pack-index naming a removed pack', async () => {
    const { ws, path } = await open();
    for (let i = 0; i < 4; i++) await new Note({ key: `n${i}` }).save({ commit: true, message: `${i}` });
    git(path, 'multi-pack-index', 'write');
    await ws.maintain();
    expectFsckClean(path);
    expect(readdirSync(join(path, 'objects', 'pack')).filter((n) => n.endsWith('.pack'))).toHaveLength(1);
    expect(git(path, 'show', 'main:note/n3/data.json')).toContain('"n3"');
  });

  it('two blob fields with the same bytes are written once: git verify-pack accepts the pack', async () => {
    const { path } = await open();
    const bytes = new Uint8Array([1, 2, 3, 4]);
    await new Photo({ key: 'a', image: bytes }).save();
    await new Photo({ key: 'b', image: bytes }).save({ commit: true, message: 'twins' });
    for (const idx of readdirSync(join(path, 'objects', 'pack')).filter((n) => n.endsWith('.idx'))) {
      git(path, 'verify-pack', join(path, 'objects', 'pack', idx));
    }
    expectFsckClean(path);
  });

  it('a read at an old commit survives another workspace merging the packs away', async () => {
    const path = newRepoPath();
    const writer = await Workspace.open(path, { durability: 'atomic' });
    class WriterNote extends Note {}
    Object.defineProperty(WriterNote, 'name', { value: 'Note' });
    writer.register(WriterNote);
    const commits: string[] = [];
    for (let i = 0; i < 16; i++) commits.push((await new WriterNote({ key: `p${i}` }).save({ commit: true, message: `${i}` }))!);
    const { ws: reader } = await open(path);
    expect((await Note.get('p15', { at: commits[15] })).key).toBe('p15');
    await new WriterNote({ key: 'p16' }).save({ commit: true, message: '16' }); // past 16 packs: they merge
    expect((await Note.get('p3', { at: commits[15] })).key).toBe('p3');
    void reader;
  });
});

describe('construction', () => {
  it('a constructor that writes a field only sometimes does not swallow a later assignment', async () => {
    class Post extends Model {
      @Field({ id: true }) title!: string;
      @Field() createdAt!: Date;
      constructor(init?: object) {
        super(init);
        if (!this.createdAt) this.createdAt = new Date(0);
      }
    }
    const post = new Post({ title: 'a', createdAt: new Date('2020-01-01T00:00:00Z') });
    expect(post.createdAt.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    post.createdAt = new Date('2030-01-01T00:00:00Z');
    expect(post.createdAt.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new Post({ title: 'b' }).createdAt.getTime()).toBe(0);
  });
});

describe('the read cache', () => {
  it('does not skip the id/path check: a data file copied to another folder is corrupt there', async () => {
    const { ws, path } = await open();
    await new Note({ key: 'a', text: 'hello' }).save({ commit: true, message: 'a' });
    // another tool copies page a's data file to folder b
    const blob = git(path, 'rev-parse', 'main:note/a/data.json').trim();
    const root = git(path, 'rev-parse', 'main^{tree}').trim();
    const b = gitWith(path, { input: `100644 blob ${blob}\tdata.json\n` }, 'mktree').trim();
    const notes = gitWith(path, { input: git(path, 'ls-tree', 'main:note') + `040000 tree ${b}\tb\n` }, 'mktree').trim();
    const tree = gitWith(path, { input: git(path, 'ls-tree', root).replace(/040000 tree \w+\tnote/, `040000 tree ${notes}\tnote`) }, 'mktree').trim();
    const commit = gitWith(path, { input: 'copy' }, 'commit-tree', tree, '-p', 'main').trim();
    git(path, 'update-ref', 'refs/heads/main', commit);
    await ws.discard(); // read the branch as it is now
    expect((await Note.get('a')).text).toBe('hello'); // a's bytes are now cached
    await expect(Note.get('b')).rejects.toBeInstanceOf(CorruptObjectError);
  });
});

describe('a save with { commit: true } whose commit fails', () => {
  it('leaves nothing staged (the branch is checked out)', async () => {
    const dir = cliRepoWithCheckout();
    const { ws } = await open(dir, { branch: 'main' });
    await expect(new Note({ key: 'x' }).save({ commit: true, message: 'x' })).rejects.toBeInstanceOf(BranchCheckedOutError);
    expect(ws.hasChanges()).toBe(false);
    expect(await Note.exists('x')).toBe(false);
  });
});

describe('ref names that clash as file and folder', () => {
  it('a branch a/b beside a branch a, and a tag t beside t/u, are typed errors', async () => {
    const { ws, path } = await open();
    await new Note({ key: 'n' }).save({ commit: true, message: 'n' });
    await ws.branches.create('a');
    const before = snapshot(path);
    await expect(ws.branches.create('a/b')).rejects.toBeInstanceOf(InvalidRefNameError);
    await ws.tags.create('t/u');
    await expect(ws.tags.create('t')).rejects.toBeInstanceOf(InvalidRefNameError);
    expect(git(path, 'for-each-ref', '--format=%(refname)').trim().split('\n').sort()).toEqual([
      'refs/heads/a',
      'refs/heads/main',
      'refs/tags/t/u',
    ]);
    void before;
    expectFsckClean(path);
  });

  it('a workspace on branch a/b is refused at open when branch a exists', async () => {
    const { ws, path } = await open();
    await new Note({ key: 'n' }).save({ commit: true, message: 'n' });
    await ws.branches.create('a');
    await expect(Workspace.open(path, { branch: 'a/b' })).rejects.toBeInstanceOf(InvalidRefNameError);
  });
});

describe('case twins made by two writers at once', () => {
  it('a commit re-applied on another writer\'s commit of a case twin is a ConflictError', async () => {
    const path = newRepoPath();
    const { ws: mine } = await open(path);
    await new Note({ key: 'seed' }).save({ commit: true, message: 'seed' });
    const other = await Workspace.open(path);
    class OtherNote extends Note {}
    Object.defineProperty(OtherNote, 'name', { value: 'Note' });
    other.register(OtherNote);
    await new Note({ key: 'Foo', text: 'mine' }).save(); // staged here
    await new OtherNote({ key: 'foo', text: 'theirs' }).save({ commit: true, message: 'theirs' });
    await expect(mine.commit({ message: 'mine' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(git(path, 'ls-tree', '--name-only', 'main:note').trim().split('\n').sort()).toEqual(['foo', 'seed']);
    expect(mine.hasChanges()).toBe(true); // kept, to retry
    expectFsckClean(path);
  });
});
