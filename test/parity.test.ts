// python-gitmodel parity (issue 8): obj.oid, Field.time(), Field.oid(), and a model that would
// have two ids. Every repository a test writes is checked with the git CLI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, CorruptObjectError, Field, Model, ValidationError, Workspace } from '../lib/index.js';
import { caught, cliRepoWithCheckout, expectFsckClean, git, gitWith, newRepoPath, openWith, rejected } from './helpers.js';




/** A repository with a checkout whose `main` holds these files, committed with the git CLI. */
function repoWith(files: Record<string, string>): string {
  const work = cliRepoWithCheckout();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'seed');
  return work;
}

// ---------------------------------------------------------------------------------------------
describe('obj.oid', () => {
  class Memo extends Model<Memo> {
    @Field({ id: true }) key!: string;
    @Field() text: string = '';
  }

  it('is the data file\'s blob oid as last saved or read: null before, and after delete', async () => {
    const { gitdir, ws } = await openWith(Memo);
    const memo = new Memo({ key: 'm', text: 'one' });
    expect(memo.oid).toBeNull();

    await memo.save();
    const staged = memo.oid;
    expect(staged).toMatch(/^[0-9a-f]{40}$/);
    expect(gitWith(gitdir, { input: '{\n  "key": "m",\n  "text": "one"\n}\n' }, 'hash-object', '--stdin').trim()).toBe(staged);
    await ws.commit({ message: 'one' });
    expect(git(gitdir, 'rev-parse', 'main:memo/m/data.json').trim()).toBe(staged);

    const read = await Memo.get('m');
    expect(read.oid).toBe(staged);
    read.text = 'two';
    expect(read.oid).toBe(staged); // a change not yet saved is not in it
    await read.save({ commit: true, message: 'two' });
    expect(read.oid).not.toBe(staged);
    expect(git(gitdir, 'rev-parse', 'main:memo/m/data.json').trim()).toBe(read.oid);
    expect((await Memo.get('m', { at: 'main~1' })).oid).toBe(staged);
    expect((await Memo.get('m')).oid).toBe(read.oid);

    await read.delete({ commit: true });
    expect(read.oid).toBeNull();
    expectFsckClean(gitdir);
  });

  it('equal objects have equal oids; a save that fails to commit leaves the oid as it was', async () => {
    const { gitdir } = await openWith(Memo);
    const a = new Memo({ key: 'a', text: 'same' });
    await a.save({ commit: true });
    const b = await Memo.get('a');
    expect(b.oid).toBe(a.oid);
    // another writer moves the branch and changes the same object: this commit is a conflict
    @Model({ name: 'memo' })
    class TheirMemo extends Model<TheirMemo> {
      @Field({ id: true }) key!: string;
      @Field() text: string = '';
    }
    const other = await Workspace.open(gitdir);
    other.register(TheirMemo);
    const theirs = await TheirMemo.get('a');
    theirs.text = 'theirs';
    await theirs.save({ commit: true });
    const before = b.oid;
    b.text = 'mine';
    expect((await rejected(b.save({ commit: true }))) as Error).toHaveProperty('code', 'CONFLICT');
    expect(b.oid).toBe(before);
  });

  it('is reserved: a model declaring a field named oid is a ConfigurationError at register', async () => {
    class Blobby extends Model {
      @Field({ id: true }) key!: string;
    }
    // by hand: TypeScript itself refuses a property overriding the oid accessor (TS2610)
    Field({ type: String })(Blobby.prototype, 'oid');
    const ws = await Workspace.open(newRepoPath());
    const error = caught(() => ws.register(Blobby)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.data).toEqual({ model: 'blobby', field: 'oid' });
    expect(error.message).toMatch(/rename/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('Field.time()', () => {
  class Shift extends Model<Shift> {
    @Field({ id: true }) key!: string;
    @Field.time() start!: string;
    @Field.time({ nullable: true }) end: string | null = null;
  }

  it('stores HH:MM, HH:MM:SS and HH:MM:SS.mmm as the string, and reads them back', async () => {
    const { gitdir } = await openWith(Shift);
    const times = ['00:00', '23:59', '09:30:15', '12:00:00.000', '23:59:59.999'];
    for (const [i, start] of times.entries()) await new Shift({ key: `s${i}`, start }).save();
    await new Shift({ key: 'late', start: '22:00', end: '23:30' }).save({ commit: true, message: 'shifts' });
    expect(JSON.parse(git(gitdir, 'show', 'main:shift/s2/data.json'))).toEqual({ key: 's2', start: '09:30:15', end: null });
    for (const [i, start] of times.entries()) expect((await Shift.get(`s${i}`, { at: 'main' })).start).toBe(start);
    expect((await Shift.get('late', { at: 'main' })).end).toBe('23:30');
    expectFsckClean(gitdir);
  });

  it('anything else is a ValidationError on save, and nothing is written', async () => {
    const { ws } = await openWith(Shift);
    for (const bad of ['24:00', '7:00', '07:60', '07:00:60', '07:00:00.5', '07:00:00.1234', '07:00:', 'noon', '', '07h00', ' 07:00']) {
      const error = (await rejected(new Shift({ key: 'x', start: bad }).save())) as ValidationError;
      expect(error, bad).toBeInstanceOf(ValidationError);
      expect(error.data.failures.map((f) => f.field), bad).toEqual(['start']);
      expect(error.data.failures[0].constraints.type, bad).toMatch(/HH:MM/);
    }
    const error = (await rejected(new Shift({ key: 'x', start: 700 as unknown as string }).save())) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(ws.hasChanges()).toBe(false);
  });

  it('a stored value that is not a time of day is a CorruptObjectError naming the field', async () => {
    const repo = repoWith({ 'shift/bad/data.json': '{\n  "key": "bad",\n  "start": "25:00"\n}\n' });
    const ws = await Workspace.open(repo);
    ws.register(Shift);
    const error = (await rejected(Shift.get('bad'))) as CorruptObjectError;
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.data).toMatchObject({ path: 'shift/bad/data.json', field: 'start' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('Field.oid()', () => {
  class Snapshot extends Model<Snapshot> {
    @Field({ id: true }) key!: string;
    @Field.oid({ nullable: true }) target: string | null = null;
    @Field.blob({ required: false, nullable: true }) payload?: Uint8Array | null;
  }

  it('holds the oid of an object in the repository: committed, staged and unwritten, or a blob of the same save', async () => {
    const { gitdir, ws } = await openWith(Snapshot);
    const first = new Snapshot({ key: 'first' });
    await first.save({ commit: true });
    const committed = git(gitdir, 'rev-parse', 'main:snapshot/first/data.json').trim();
    const commit = ws.head!;

    const staged = new Snapshot({ key: 'staged', payload: new TextEncoder().encode('only staged') });
    await staged.save(); // its blobs exist only in the workspace index, not in the object database
    expect(() => git(gitdir, 'cat-file', '-e', staged.oid!)).toThrow();

    const payload = new TextEncoder().encode('in this very save');
    const ownBlob = gitWith(gitdir, { input: Buffer.from(payload) }, 'hash-object', '--stdin').trim();
    for (const [key, target] of [['a', committed], ['b', commit], ['c', staged.oid!], ['d', ownBlob]] as const) {
      await new Snapshot({ key, target, payload: key === 'd' ? payload : null }).save();
    }
    await ws.commit({ message: 'snapshots' });
    for (const [key, target] of [['a', committed], ['b', commit], ['c', staged.oid!], ['d', ownBlob]] as const) {
      expect((await Snapshot.get(key, { at: 'main' })).target).toBe(target);
      git(gitdir, 'cat-file', '-e', target); // and git has it
    }
    expectFsckClean(gitdir);
  });

  it('an oid of no object is a ValidationError on save, and nothing is written', async () => {
    const { ws } = await openWith(Snapshot);
    const missing = 'f'.repeat(40);
    const error = (await rejected(new Snapshot({ key: 'x', target: missing }).save({ commit: true }))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.data.failures).toEqual([{ field: 'target', constraints: { exists: expect.stringContaining(missing) } }]);
    expect(ws.hasChanges()).toBe(false);
    expect(ws.head).toBeNull();
  });

  it('a value that is not 40 lowercase hex digits is a ValidationError on save', async () => {
    const { ws } = await openWith(Snapshot);
    for (const bad of ['abc', 'F'.repeat(40), 'g'.repeat(40), 'a'.repeat(41), 'a'.repeat(39), '']) {
      const error = (await rejected(new Snapshot({ key: 'x', target: bad }).save())) as ValidationError;
      expect(error, bad).toBeInstanceOf(ValidationError);
      expect(error.data.failures[0].constraints, bad).toHaveProperty('type');
    }
    expect(ws.hasChanges()).toBe(false);
  });

  it('a stored value that is not an oid is a CorruptObjectError naming the field', async () => {
    const repo = repoWith({ 'snapshot/bad/data.json': '{\n  "key": "bad",\n  "target": "HEAD"\n}\n' });
    const ws = await Workspace.open(repo);
    ws.register(Snapshot);
    const error = (await rejected(Snapshot.get('bad'))) as CorruptObjectError;
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.data).toMatchObject({ path: 'snapshot/bad/data.json', field: 'target' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('a field named id beside another id field', () => {
  it('is a ConfigurationError at register, naming both', async () => {
    class Article extends Model {
      @Field({ id: true }) slug!: string;
      @Field() override id: string = '';
    }
    const ws = await Workspace.open(newRepoPath());
    const error = caught(() => ws.register(Article)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.data).toEqual({ model: 'article', field: 'id' });
    expect(error.message).toContain('slug');
    expect(caught(() => new Article())).toBeInstanceOf(ConfigurationError);
  });

  it('inherited from a base class too; while a field id that is the id is fine', async () => {
    @Model({ abstract: true })
    class Base extends Model {
      @Field() override id: string = '';
    }
    class Derived extends Base {
      @Field({ id: true }) key!: string;
    }
    class Own extends Model {
      @Field({ id: true }) override id: string = '';
      @Field() text: string = '';
    }
    const ws = await Workspace.open(newRepoPath());
    expect(caught(() => ws.register(Derived))).toBeInstanceOf(ConfigurationError);
    ws.register(Own);
    const own = new Own({ id: 'o', text: 't' });
    await own.save();
    expect((await Own.get('o')).text).toBe('t');
  });
});
