// Black-box tests of model declaration and storage: field types, options, ids, layouts, refs,
// blobs, inheritance, initializers, canonical bytes and validation. Every repository a test writes
// is checked with `git fsck --strict`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  CorruptObjectError,
  Field,
  Model,
  NotFoundError,
  Ref,
  UnknownModelError,
  ValidationError,
  Workspace,
} from '../lib/index.js';
import { Author, Page } from '../models-example/models.js';
import { caught, cliRepoWithCheckout, expectFsckClean, git, gitBytes, newRepoPath, rejected, snapshot } from './helpers.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function open(...classes: Function[]): Promise<{ gitdir: string; ws: Workspace }> {
  const gitdir = newRepoPath();
  const ws = await Workspace.open(gitdir);
  ws.register(...classes);
  return { gitdir, ws };
}

/** A file's text on `main`, as the git CLI prints it. */
function show(gitdir: string, path: string): string {
  return git(gitdir, 'show', `main:${path}`);
}

/** Every file path on `main`. */
function lsTree(gitdir: string): string[] {
  return git(gitdir, 'ls-tree', '-r', '--name-only', 'main').split('\n').filter(Boolean);
}

/** A bare repository whose `main` holds these files, committed with the git CLI (not gitmodel). */
function seedRepo(files: Record<string, string>): string {
  const work = cliRepoWithCheckout();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), text);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'seed');
  const gitdir = newRepoPath();
  git(work, 'init', '-q', '--bare', '-b', 'main', gitdir);
  git(work, 'push', '-q', gitdir, 'main:main');
  return gitdir;
}



function failureFields(error: ValidationError): string[] {
  return error.data.failures.map((f) => f.field).sort();
}

function constraintsOf(error: ValidationError, field: string): Record<string, string> {
  return error.data.failures.find((f) => f.field === field)?.constraints ?? {};
}

// ---------------------------------------------------------------------------------------------
describe('field types', () => {
  test('every type inferred from design:type round-trips exactly through save, commit and get', async () => {
    class Everything extends Model {
      @Field() s!: string;
      @Field() n!: number;
      @Field() b!: boolean;
      @Field() d!: Date;
      @Field() big!: bigint;
      // TypeScript records unknown[] as Array and an object type as Object, without what they hold: refused
      // unless the type is given (issue 8); type: Array and type: Object are explicit JSON
      @Field({ type: Array }) list!: unknown[];
      @Field({ type: Object }) obj!: { title: string; nested: { deep: number[] } };
      @Field.json() anything!: unknown;
      @Field.decimal() price!: string;
      @Field.uuid() token!: string;
    }
    const { gitdir, ws } = await open(Everything);
    const values = {
      s: 'héllo "quoted"\n\ttab \\ 🎉 \u0001',
      n: 0.1 + 0.2,
      b: false,
      d: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      big: 2n ** 80n + 1n,
      list: [1, 'two', null, { b: 2, a: 1 }, [true, -1.5e-7]],
      obj: { title: 'x', nested: { deep: [1, 2, 3] } },
      anything: { z: [1, { y: null }], a: 'str', n: 12345678.875 },
      price: '0.1000000000000000055511151231257827',
      token: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    };
    const obj = new Everything(values);
    await obj.save({ commit: true, message: 'everything' });

    const stored = JSON.parse(show(gitdir, `everything/${obj.id}/data.json`));
    expect(stored.big).toBe('1208925819614629174706177');
    expect(stored.d).toBe('2026-01-02T03:04:05.678Z');
    expect(stored.price).toBe('0.1000000000000000055511151231257827');
    expect(stored.b).toBe(false);
    expect(stored.n).toBe(0.30000000000000004);

    for (const at of [undefined, 'main']) {
      const got = await Everything.get(obj.id, { at });
      expect(got).toBeInstanceOf(Everything);
      expect(got.id).toBe(obj.id);
      expect(got.s).toBe(values.s);
      expect(got.n).toBe(values.n);
      expect(got.b).toBe(false);
      expect(got.d).toBeInstanceOf(Date);
      expect(got.d.getTime()).toBe(values.d.getTime());
      expect(typeof got.big).toBe('bigint');
      expect(got.big).toBe(values.big);
      expect(got.list).toEqual(values.list);
      expect(got.obj).toEqual(values.obj);
      expect(got.anything).toEqual(values.anything);
      expect(got.price).toBe(values.price);
      expect(got.token).toBe(values.token);
    }
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(gitdir);
  });

  test('@Field.json() holds any JSON value: objects, arrays, strings, numbers, null', async () => {
    class Blobby extends Model {
      @Field({ id: true }) key!: string;
      @Field.json({ nullable: true }) value!: unknown;
    }
    const { gitdir, ws } = await open(Blobby);
    const samples: Record<string, unknown> = {
      object: { nested: { deeper: [1, { x: 'y' }] }, empty: {} },
      array: [[], [1, [2, [3]]], 'mixed', false],
      string: 'just a string',
      number: -42.25,
      null: null,
    };
    for (const [key, value] of Object.entries(samples)) await new Blobby({ key, value }).save();
    await ws.commit({ message: 'json values' });
    for (const [key, value] of Object.entries(samples)) {
      expect((await Blobby.get(key, { at: 'main' })).value).toEqual(value);
    }
    expectFsckClean(gitdir);
  });

  test('@Field.decimal() is stored as the exact string, and non-decimals are rejected', async () => {
    class Price extends Model {
      @Field({ id: true }) sku!: string;
      @Field.decimal() amount!: string;
    }
    const { gitdir, ws } = await open(Price);
    const exact = '0.1000000000000000055511151231257827';
    await new Price({ sku: 'a', amount: exact }).save();
    await new Price({ sku: 'b', amount: '12.50' }).save();
    await new Price({ sku: 'c', amount: '-99999999999999999999.000000000000000000001' }).save();
    await ws.commit({ message: 'prices' });

    expect(show(gitdir, 'price/a/data.json')).toBe(`{\n  "sku": "a",\n  "amount": "${exact}"\n}\n`);
    expect((await Price.get('a', { at: 'main' })).amount).toBe(exact);
    expect((await Price.get('b', { at: 'main' })).amount).toBe('12.50');
    expect((await Price.get('c', { at: 'main' })).amount).toBe('-99999999999999999999.000000000000000000001');

    for (const bad of ['abc', '1e5', '1.', 0.1 as unknown]) {
      const error = (await rejected(new Price({ sku: 'bad', amount: bad }).save())) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(failureFields(error)).toEqual(['amount']);
    }
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(gitdir);
  });

  test('@Field.uuid() generates a v4 uuid per new object, keeps a given one, and rejects a non-uuid', async () => {
    class Ticket extends Model {
      @Field({ id: true }) key!: string;
      @Field.uuid() token!: string;
    }
    const { gitdir } = await open(Ticket);
    const a = new Ticket({ key: 'a' });
    const b = new Ticket({ key: 'b' });
    expect(a.token).toMatch(UUID_V4);
    expect(b.token).toMatch(UUID_V4);
    expect(a.token).not.toBe(b.token);
    const given = '3b241101-e2bb-4255-8caf-4136c566a962';
    const c = new Ticket({ key: 'c', token: given });
    expect(c.token).toBe(given);
    for (const t of [a, b, c]) await t.save({ commit: true });
    expect((await Ticket.get('a', { at: 'main' })).token).toBe(a.token);
    expect(JSON.parse(show(gitdir, 'ticket/c/data.json')).token).toBe(given);

    const error = (await rejected(new Ticket({ key: 'd', token: 'not-a-uuid' }).save())) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('VALIDATION');
    expect(failureFields(error)).toEqual(['token']);
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('dates', () => {
  class Event extends Model {
    @Field({ id: true }) key!: string;
    @Field() title!: string;
    @Field() at!: Date;
    @Field({ type: [Date] }) more!: Date[];
  }

  test('a new Date is stored as ISO 8601 in UTC with its zone (Z)', async () => {
    const { gitdir } = await open(Event);
    const at = new Date(Date.UTC(2026, 5, 30, 23, 59, 59, 1));
    await new Event({ key: 'e', title: 'E', at, more: [at] }).save({ commit: true });
    expect(show(gitdir, 'event/e/data.json')).toBe(
      '{\n  "key": "e",\n  "title": "E",\n  "at": "2026-06-30T23:59:59.001Z",\n' +
        '  "more": [\n    "2026-06-30T23:59:59.001Z"\n  ]\n}\n',
    );
    const got = await Event.get('e', { at: 'main' });
    expect(got.at.getTime()).toBe(at.getTime());
    expect(got.more.map((d) => d.getTime())).toEqual([at.getTime()]);
    expectFsckClean(gitdir);
  });

  test('a date written elsewhere with an offset reads as the right instant and keeps its offset when re-saved', async () => {
    const gitdir = seedRepo({
      'event/launch/data.json':
        '{\n  "key": "launch",\n  "title": "Launch",\n  "at": "2026-03-01T10:00:00.000+02:00",\n' +
        '  "more": [\n    "2026-03-01T10:00:00.000-05:30",\n    "2026-03-01T10:00:00.000Z"\n  ]\n}\n',
    });
    const ws = await Workspace.open(gitdir);
    ws.register(Event);
    const event = await Event.get('launch');
    expect(event.at).toBeInstanceOf(Date);
    expect(event.at.getTime()).toBe(Date.UTC(2026, 2, 1, 8, 0, 0));
    expect(event.more.map((d) => d.getTime())).toEqual([Date.UTC(2026, 2, 1, 15, 30), Date.UTC(2026, 2, 1, 10, 0)]);

    event.title = 'Launch v2';
    await event.save({ commit: true, message: 'retitle' });
    expect(show(gitdir, 'event/launch/data.json')).toBe(
      '{\n  "key": "launch",\n  "title": "Launch v2",\n  "at": "2026-03-01T10:00:00.000+02:00",\n' +
        '  "more": [\n    "2026-03-01T10:00:00.000-05:30",\n    "2026-03-01T10:00:00.000Z"\n  ]\n}\n',
    );
    const again = await Event.get('launch', { at: 'main' });
    expect(again.at.getTime()).toBe(Date.UTC(2026, 2, 1, 8, 0, 0));
    expectFsckClean(gitdir);
  });

  test('a stored date without a time zone is a CorruptObjectError naming the field', async () => {
    const gitdir = seedRepo({
      'event/x/data.json': '{\n  "key": "x",\n  "title": "X",\n  "at": "2026-03-01T10:00:00",\n  "more": []\n}\n',
    });
    const ws = await Workspace.open(gitdir);
    ws.register(Event);
    const error = (await rejected(Event.get('x'))) as CorruptObjectError;
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.code).toBe('CORRUPT_OBJECT');
    expect(error.data.field).toBe('at');
  });
});

// ---------------------------------------------------------------------------------------------
describe('explicit types and configuration errors', () => {
  test('types given explicitly work on a class with no design:type metadata at all', async () => {
    class Bare extends Model {
      declare slug: string;
      declare when: Date;
      declare tags: string[];
      declare dates: Date[];
      declare count: number;
      declare grid: number[][];
    }
    Field({ id: true, type: String })(Bare.prototype, 'slug');
    Field({ type: Date })(Bare.prototype, 'when');
    Field({ type: [String] })(Bare.prototype, 'tags');
    Field({ type: [Date] })(Bare.prototype, 'dates');
    Field({ type: Number })(Bare.prototype, 'count');
    Field({ type: [[Number]] })(Bare.prototype, 'grid');
    expect(Reflect.getMetadata('design:type', Bare.prototype, 'when')).toBeUndefined();

    const { gitdir } = await open(Bare);
    const when = new Date(Date.UTC(2025, 11, 31, 23, 0));
    const dates = [new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2030, 6, 15, 12, 30))];
    await new Bare({ slug: 'b', when, tags: ['x', 'y'], dates, count: 7, grid: [[1, 2], [3]] }).save({ commit: true });

    const stored = JSON.parse(show(gitdir, 'bare/b/data.json'));
    expect(stored).toEqual({
      slug: 'b',
      when: '2025-12-31T23:00:00.000Z',
      tags: ['x', 'y'],
      dates: ['2020-01-01T00:00:00.000Z', '2030-07-15T12:30:00.000Z'],
      count: 7,
      grid: [[1, 2], [3]],
    });
    const got = await Bare.get('b', { at: 'main' });
    expect(got.when).toBeInstanceOf(Date);
    expect(got.when.getTime()).toBe(when.getTime());
    expect(got.tags).toEqual(['x', 'y']);
    expect(got.dates.every((d) => d instanceof Date)).toBe(true);
    expect(got.dates.map((d) => d.getTime())).toEqual(dates.map((d) => d.getTime()));
    expect(got.grid).toEqual([[1, 2], [3]]);

    // explicit types are checked on save, like inferred ones
    const error = (await rejected(new Bare({ slug: 'c', when, tags: [1], dates: ['2020'], count: 1, grid: [] }).save())) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(failureFields(error)).toEqual(['dates', 'tags']);
    expectFsckClean(gitdir);
  });

  test('an explicit type wins over design:type (a Date | null union emits Object)', async () => {
    class Stamp extends Model {
      @Field({ id: true }) key!: string;
      @Field({ type: Date, required: false, nullable: true }) seen?: Date | null;
      @Field({ type: [Date] }) history!: Date[];
    }
    const { gitdir } = await open(Stamp);
    const seen = new Date(Date.UTC(2026, 1, 3));
    await new Stamp({ key: 's', seen, history: [seen] }).save({ commit: true });
    const got = await Stamp.get('s', { at: 'main' });
    expect(got.seen).toBeInstanceOf(Date);
    expect(got.seen!.getTime()).toBe(seen.getTime());
    expect(got.history[0]).toBeInstanceOf(Date);
    expect(JSON.parse(show(gitdir, 'stamp/s/data.json')).seen).toBe('2026-02-03T00:00:00.000Z');
    expectFsckClean(gitdir);
  });

  test('a field with no type and no design:type is a ConfigurationError on construction, naming the field and the fix', () => {
    class NoMeta extends Model {}
    Field()(NoMeta.prototype, 'title');
    const error = caught(() => new NoMeta()) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.data.field).toBe('title');
    expect(error.message).toMatch(/emitDecoratorMetadata/);
    expect(error.message).toMatch(/type: String/);
  });

  test('a field with no type and no design:type is a ConfigurationError on ws.register', async () => {
    class NoMetaEither extends Model {}
    Field({ required: false })(NoMetaEither.prototype, 'body');
    const ws = await Workspace.open(newRepoPath());
    const error = caught(() => ws.register(NoMetaEither)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.data.field).toBe('body');
    expect(error.message).toMatch(/emitDecoratorMetadata|type:/);
  });

  test('an unsupported design:type (Map) is a ConfigurationError', async () => {
    class WithMap extends Model {
      @Field() lookup!: Map<string, string>;
    }
    const ws = await Workspace.open(newRepoPath());
    const error = caught(() => ws.register(WithMap)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.data.field).toBe('lookup');
    expect(error.message).toMatch(/Map/);
    expect(caught(() => new WithMap())).toBeInstanceOf(ConfigurationError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('field options', () => {
  test('default: a value or a factory, each object getting its own (object defaults are not shared)', async () => {
    let counter = 0;
    class Draft extends Model {
      @Field({ id: true }) key!: string;
      @Field({ default: 'draft' }) status!: string;
      @Field({ default: () => ++counter }) seq!: number;
      @Field.json({ default: { labels: [] as string[] } }) meta!: { labels: string[] };
      @Field({ type: [String], default: () => [] }) tags!: string[];
    }
    const { gitdir } = await open(Draft);
    const a = new Draft({ key: 'a' });
    const b = new Draft({ key: 'b' });
    expect(a.status).toBe('draft');
    expect(b.status).toBe('draft');
    expect(typeof a.seq).toBe('number');
    expect(a.seq).not.toBe(b.seq);
    expect(a.meta).toEqual({ labels: [] });
    expect(a.meta).not.toBe(b.meta);
    a.meta.labels.push('mutated');
    a.tags.push('mutated');
    expect(b.meta).toEqual({ labels: [] });
    expect(b.tags).toEqual([]);
    expect(new Draft({ key: 'c' }).meta).toEqual({ labels: [] });
    expect(new Draft({ key: 'd', status: 'live' }).status).toBe('live');

    await a.save({ commit: true });
    expect(JSON.parse(show(gitdir, 'draft/a/data.json'))).toEqual({
      key: 'a',
      status: 'draft',
      seq: a.seq,
      meta: { labels: ['mutated'] },
      tags: ['mutated'],
    });
    expectFsckClean(gitdir);
  });

  test('default and uuid generation on a class whose properties are not class fields (declare + explicit types)', async () => {
    let counter = 0;
    class Declared extends Model {
      declare key: string;
      declare status: string;
      declare seq: number;
      declare meta: { labels: string[] };
      declare token: string;
    }
    Field({ id: true, type: String })(Declared.prototype, 'key');
    Field({ type: String, default: 'draft' })(Declared.prototype, 'status');
    Field({ type: Number, default: () => ++counter })(Declared.prototype, 'seq');
    Field.json({ default: { labels: [] } })(Declared.prototype, 'meta');
    Field.uuid()(Declared.prototype, 'token');
    const a = new Declared({ key: 'a' });
    const b = new Declared({ key: 'b' });
    expect([a.status, b.status]).toEqual(['draft', 'draft']);
    expect(a.seq).not.toBe(b.seq);
    a.meta.labels.push('mutated');
    expect(b.meta).toEqual({ labels: [] });
    expect(a.token).toMatch(UUID_V4);
    expect(a.token).not.toBe(b.token);

    const { gitdir } = await open(Declared);
    await a.save({ commit: true });
    expect(JSON.parse(show(gitdir, 'declared/a/data.json'))).toEqual({
      key: 'a',
      status: 'draft',
      seq: a.seq,
      meta: { labels: ['mutated'] },
      token: a.token,
    });
    expectFsckClean(gitdir);
  });

  test('required (default true): an undefined field fails validation; required: false omits it', async () => {
    class Req extends Model {
      @Field({ id: true }) key!: string;
      @Field() must!: string;
      @Field({ required: false }) maybe?: string;
    }
    const { gitdir, ws } = await open(Req);
    const error = (await rejected(new Req({ key: 'a' }).save())) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(failureFields(error)).toEqual(['must']);
    expect(Object.keys(constraintsOf(error, 'must'))).toContain('required');
    expect(ws.hasChanges()).toBe(false);

    await new Req({ key: 'a', must: 'x' }).save({ commit: true });
    expect(show(gitdir, 'req/a/data.json')).toBe('{\n  "key": "a",\n  "must": "x"\n}\n');
    const got = await Req.get('a', { at: 'main' });
    expect(got.must).toBe('x');
    expect(got.maybe).toBeUndefined();
    expectFsckClean(gitdir);
  });

  test('nullable: null is stored and read back only where allowed', async () => {
    class Nul extends Model {
      @Field({ id: true }) key!: string;
      @Field({ type: String, nullable: true }) note!: string | null;
      @Field() strict!: string;
    }
    const { gitdir } = await open(Nul);
    await new Nul({ key: 'a', note: null, strict: 's' }).save({ commit: true });
    expect(show(gitdir, 'nul/a/data.json')).toBe('{\n  "key": "a",\n  "note": null,\n  "strict": "s"\n}\n');
    expect((await Nul.get('a', { at: 'main' })).note).toBeNull();

    const notNullable = (await rejected(new Nul({ key: 'b', note: 'n', strict: null }).save())) as ValidationError;
    expect(notNullable).toBeInstanceOf(ValidationError);
    expect(failureFields(notNullable)).toEqual(['strict']);
    expect(Object.keys(constraintsOf(notNullable, 'strict'))).toContain('nullable');

    // nullable is not optional: undefined is still missing
    const missing = (await rejected(new Nul({ key: 'c', strict: 's' }).save())) as ValidationError;
    expect(failureFields(missing)).toEqual(['note']);
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('ids', () => {
  test('with no id field the object gets a uuid `id`, stored first in data.json', async () => {
    class Memo extends Model {
      @Field() text!: string;
    }
    const { gitdir } = await open(Memo);
    const a = new Memo({ text: 'hi' });
    const b = new Memo({ text: 'hi' });
    expect(a.id).toMatch(UUID_V4);
    expect(a.id).not.toBe(b.id);
    await a.save({ commit: true });
    expect(show(gitdir, `memo/${a.id}/data.json`)).toBe(`{\n  "id": "${a.id}",\n  "text": "hi"\n}\n`);
    const got = await Memo.get(a.id, { at: 'main' });
    expect(got.id).toBe(a.id);
    expect(got.text).toBe('hi');
    expectFsckClean(gitdir);
  });

  test('a custom id field names the folder, and `obj.id` returns its value', async () => {
    const { gitdir } = await open(Author);
    const author = new Author({ handle: 'alice', name: 'Alice', email: 'alice@example.com' });
    expect(author.id).toBe('alice');
    await author.save({ commit: true });
    expect(lsTree(gitdir)).toEqual(['author/alice/data.json']);
    const stored = JSON.parse(show(gitdir, 'author/alice/data.json'));
    expect(Object.keys(stored)).toEqual(['handle', 'name', 'email']);
    const got = await Author.get('alice');
    expect(got.id).toBe('alice');
    expect(got.handle).toBe('alice');
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('@Model name and path', () => {
  test("path '{model}/{id}.json' with name 'pages': files, get, all, exists, delete", async () => {
    @Model({ name: 'pages', path: '{model}/{id}.json' })
    class FlatPage extends Model {
      @Field({ id: true }) slug!: string;
      @Field() title!: string;
    }
    const { gitdir, ws } = await open(FlatPage);
    await new FlatPage({ slug: 'b', title: 'B' }).save();
    await new FlatPage({ slug: 'a', title: 'A' }).save();
    await ws.commit({ message: 'two pages' });
    expect(lsTree(gitdir)).toEqual(['pages/a.json', 'pages/b.json']);
    expect(show(gitdir, 'pages/a.json')).toBe('{\n  "slug": "a",\n  "title": "A"\n}\n');

    expect((await FlatPage.get('a')).title).toBe('A');
    expect((await FlatPage.all()).map((p) => p.slug)).toEqual(['a', 'b']);
    expect(await FlatPage.exists('a')).toBe(true);
    expect(await FlatPage.exists('zzz')).toBe(false);

    await FlatPage.delete('a', { commit: true, message: 'drop a' });
    expect(lsTree(gitdir)).toEqual(['pages/b.json']);
    expect(await FlatPage.exists('a')).toBe(false);
    expect(await FlatPage.exists('a', { at: 'main~1' })).toBe(true);
    expect(await rejected(FlatPage.get('a'))).toBeInstanceOf(NotFoundError);
    expectFsckClean(gitdir);
  });

  test("path 'content/{id}/page.json': files (with a blob beside it), get, all, exists, delete", async () => {
    @Model({ name: 'doc-page', path: 'content/{id}/page.json' })
    class DocPage extends Model {
      @Field({ id: true }) slug!: string;
      @Field() title!: string;
      @Field.blob({ required: false, nullable: true }) image?: Uint8Array | null;
    }
    const { gitdir, ws } = await open(DocPage);
    await new DocPage({ slug: 'one', title: 'One', image: new Uint8Array([1, 2, 3]) }).save();
    await new DocPage({ slug: 'two', title: 'Two' }).save();
    await ws.commit({ message: 'docs' });
    expect(lsTree(gitdir)).toEqual(['content/one/image', 'content/one/page.json', 'content/two/page.json']);
    expect((await DocPage.all({ at: 'main' })).map((p) => p.title)).toEqual(['One', 'Two']);
    expect(await DocPage.exists('two')).toBe(true);
    expect([...(await DocPage.get('one')).image!]).toEqual([1, 2, 3]);

    await (await DocPage.get('one')).delete({ commit: true });
    expect(lsTree(gitdir)).toEqual(['content/two/page.json']);
    expect(await DocPage.exists('one')).toBe(false);
    expectFsckClean(gitdir);
  });

  test('the default model name is the kebab-cased class name', async () => {
    class BlogPost extends Model {
      @Field({ id: true }) slug!: string;
    }
    class HTMLPage extends Model {
      @Field({ id: true }) slug!: string;
    }
    const { gitdir, ws } = await open(BlogPost, HTMLPage);
    await new BlogPost({ slug: 'p' }).save();
    await new HTMLPage({ slug: 'h' }).save();
    await ws.commit({ message: 'names' });
    expect(lsTree(gitdir)).toEqual(['blog-post/p/data.json', 'html-page/h/data.json']);
    expect(ws.model('blog-post')).toBe(BlogPost);
    expect((await BlogPost.get('p', { at: 'main' })).slug).toBe('p');
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('references', () => {
  test('a ref is stored as the id; after get it is a Ref whose load() returns the object', async () => {
    const { gitdir, ws } = await open(Author, Page);
    const alice = new Author({ handle: 'alice', name: 'Alice', email: 'alice@example.com' });
    await alice.save();
    await new Page({ slug: 'home', title: 'Home', author: alice }).save();
    await ws.commit({ message: 'home by alice' });

    expect(JSON.parse(show(gitdir, 'page/home/data.json')).author).toBe('alice');
    const page = await Page.get('home', { at: 'main' });
    expect(page.author).toBeInstanceOf(Ref);
    expect(page.author!.id).toBe('alice');
    const loaded = await page.author!.load();
    expect(loaded).toBeInstanceOf(Author);
    expect(loaded.handle).toBe('alice');
    expect(loaded.name).toBe('Alice');
    expect(loaded.email).toBe('alice@example.com');
    expectFsckClean(gitdir);
  });

  test('Ref.to(author), an Author instance and an id string all store the same id', async () => {
    const { gitdir, ws } = await open(Author, Page);
    const bob = new Author({ handle: 'bob', name: 'Bob', email: 'bob@example.com' });
    await bob.save();
    await new Page({ slug: 'by-ref', title: 'T', author: Ref.to(bob) }).save();
    await new Page({ slug: 'by-object', title: 'T', author: bob }).save();
    await new Page({ slug: 'by-id', title: 'T', author: 'bob' }).save();
    const loaded = await Page.get('by-id');
    loaded.author = Ref.to(bob);
    await loaded.save();
    await ws.commit({ message: 'refs' });
    for (const slug of ['by-ref', 'by-object', 'by-id']) {
      expect(JSON.parse(show(gitdir, `page/${slug}/data.json`)).author).toBe('bob');
      const page = await Page.get(slug, { at: 'main' });
      expect(page.author!.id).toBe('bob');
      expect((await page.author!.load()).name).toBe('Bob');
    }
    expectFsckClean(gitdir);
  });

  test('a ref naming an unregistered model by string fails on load with UnknownModelError', async () => {
    class Post extends Model {
      @Field({ id: true }) slug!: string;
      @Field.ref('author') writer!: Ref<Author>;
    }
    const { gitdir, ws } = await open(Post);
    await new Post({ slug: 'p', writer: 'carol' }).save({ commit: true });
    const post = await Post.get('p');
    expect(post.writer).toBeInstanceOf(Ref);
    expect(post.writer.id).toBe('carol');
    const error = (await rejected(post.writer.load())) as UnknownModelError;
    expect(error).toBeInstanceOf(UnknownModelError);
    expect(error.code).toBe('UNKNOWN_MODEL');
    expect(error.data.model).toBe('author');

    // once the name is registered, the same stored id resolves
    ws.register(Author);
    await new Author({ handle: 'carol', name: 'Carol', email: 'carol@example.com' }).save({ commit: true });
    const again = await Post.get('p');
    expect((await again.writer.load()).name).toBe('Carol');
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('blob fields', () => {
  test('bytes are their own file beside data.json, recorded as {file,size,oid}, and round-trip exactly', async () => {
    const { gitdir } = await open(Author, Page);
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 256;
    bytes[0] = 0;
    bytes[1] = 0xff;
    const page = new Page({ slug: 'pic', title: 'Picture', cover: bytes });
    await page.save({ commit: true, message: 'with cover' });

    expect(lsTree(gitdir)).toEqual(['page/pic/cover', 'page/pic/data.json']);
    expect(Buffer.from(gitBytes(gitdir, 'cat-file', 'blob', 'main:page/pic/cover')).equals(Buffer.from(bytes))).toBe(true);
    const oid = git(gitdir, 'rev-parse', 'main:page/pic/cover').trim();
    expect(JSON.parse(show(gitdir, 'page/pic/data.json')).cover).toEqual({ file: 'cover', size: 300, oid });

    const got = await Page.get('pic', { at: 'main' });
    expect(got.cover).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(got.cover!).equals(Buffer.from(bytes))).toBe(true);
    expectFsckClean(gitdir);
  });

  test('setting a blob to null and saving removes its file from the tree', async () => {
    const { gitdir } = await open(Author, Page);
    await new Page({ slug: 'pic', title: 'Picture', cover: new Uint8Array([9, 8, 7]) }).save({ commit: true });
    expect(lsTree(gitdir)).toContain('page/pic/cover');

    const page = await Page.get('pic');
    page.cover = null;
    await page.save({ commit: true, message: 'no cover' });
    expect(lsTree(gitdir)).toEqual(['page/pic/data.json']);
    expect(JSON.parse(show(gitdir, 'page/pic/data.json')).cover).toBeNull();
    expect((await Page.get('pic', { at: 'main' })).cover).toBeNull();
    expect([...(await Page.get('pic', { at: 'main~1' })).cover!]).toEqual([9, 8, 7]);
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('inheritance', () => {
  test('a subclass has its parent fields, stored first', async () => {
    class Base extends Model {
      @Field({ id: true }) key!: string;
      @Field() a!: string;
    }
    class Derived extends Base {
      @Field() b!: number;
    }
    const { gitdir } = await open(Base, Derived);
    await new Derived({ key: 'd', b: 2, a: 'x' }).save({ commit: true });
    expect(show(gitdir, 'derived/d/data.json')).toBe('{\n  "key": "d",\n  "a": "x",\n  "b": 2\n}\n');
    const got = await Derived.get('d', { at: 'main' });
    expect(got).toBeInstanceOf(Derived);
    expect([got.key, got.a, got.b]).toEqual(['d', 'x', 2]);
    // the parent does not gain the child's fields
    expect(caught(() => new Base({ key: 'b', a: 'y', b: 1 }))).toBeInstanceOf(ValidationError);
    expectFsckClean(gitdir);
  });

  test('an abstract base cannot be registered or saved; its subclasses can', async () => {
    @Model({ abstract: true })
    class Content extends Model {
      @Field() title!: string;
      @Field() createdBy!: string;
    }
    class Article extends Content {
      @Field() body!: string;
    }
    const { gitdir, ws } = await open(Article);
    const registerError = caught(() => ws.register(Content)) as ConfigurationError;
    expect(registerError).toBeInstanceOf(ConfigurationError);
    expect(registerError.code).toBe('CONFIGURATION');
    const saveError = (await rejected(new Content({ title: 't', createdBy: 'me' }).save())) as ConfigurationError;
    expect(saveError).toBeInstanceOf(ConfigurationError);
    expect(ws.hasChanges()).toBe(false);

    const article = new Article({ title: 'T', createdBy: 'me', body: 'B' });
    await article.save({ commit: true });
    expect(lsTree(gitdir)).toEqual([`article/${article.id}/data.json`]);
    expect(Object.keys(JSON.parse(show(gitdir, `article/${article.id}/data.json`)))).toEqual(['id', 'title', 'createdBy', 'body']);
    const got = await Article.get(article.id, { at: 'main' });
    expect([got.title, got.createdBy, got.body]).toEqual(['T', 'me', 'B']);
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('field initializers and init objects', () => {
  test('init values win over class field initializers; other fields keep their initializers', async () => {
    const page = new Page({ slug: 'p', title: 'T', content: 'x' });
    expect(page.content).toBe('x');
    expect(page.published).toBe(true);
    expect(page.tags).toEqual([]);
    const other = new Page({ slug: 'q', title: 'T', published: false, tags: ['a'] });
    expect(other.content).toBe('');
    expect(other.published).toBe(false);
    expect(other.tags).toEqual(['a']);

    const { gitdir } = await open(Author, Page);
    await page.save({ commit: true });
    expect(JSON.parse(show(gitdir, 'page/p/data.json')).content).toBe('x');
    expectFsckClean(gitdir);
  });

  test('a hand-written class that assigns fields after super(init) keeps the init values', async () => {
    class Handmade extends Model {
      declare slug: string;
      declare content: string;
      declare count: number;
      constructor(init?: Record<string, unknown>) {
        super(init);
        this.content = '';
        this.count = 0;
      }
    }
    Field({ id: true, type: String })(Handmade.prototype, 'slug');
    Field({ type: String })(Handmade.prototype, 'content');
    Field({ type: Number })(Handmade.prototype, 'count');

    const h = new Handmade({ slug: 'h', content: 'x' });
    expect(h.content).toBe('x');
    expect(h.count).toBe(0);
    const k = new Handmade({ slug: 'k', count: 5 });
    expect(k.content).toBe('');
    expect(k.count).toBe(5);

    const { gitdir } = await open(Handmade);
    await h.save({ commit: true });
    expect(show(gitdir, 'handmade/h/data.json')).toBe('{\n  "slug": "h",\n  "content": "x",\n  "count": 0\n}\n');
    const got = await Handmade.get('h', { at: 'main' });
    expect([got.content, got.count]).toEqual(['x', 0]);
    expectFsckClean(gitdir);
  });

  test('a class whose constructor gives super() an init of its own constructs, saves and reads (its init wins over initializers)', async () => {
    class Preset extends Model {
      declare slug: string;
      content = 'initializer';
      count = 1;
      constructor() {
        super({ slug: 'preset', content: 'given' });
      }
    }
    Field({ id: true, type: String })(Preset.prototype, 'slug');
    Field({ type: String })(Preset.prototype, 'content');
    Field({ type: Number })(Preset.prototype, 'count');

    const p = new Preset();
    expect([p.slug, p.content, p.count]).toEqual(['preset', 'given', 1]);
    expect([new Preset().content, new Preset().content]).toEqual(['given', 'given']);
    const { gitdir } = await open(Preset);
    p.count = 7;
    await p.save({ commit: true });
    const got = await Preset.get('preset', { at: 'main' });
    expect([got.slug, got.content, got.count]).toEqual(['preset', 'given', 7]);
    expectFsckClean(gitdir);
  });

  test('unknown keys in the init object are a ValidationError', () => {
    // @ts-expect-error the typed constructor refuses it too: this is the check at run time
    const error = caught(() => new Page({ slug: 'p', title: 'T', bogus: 1 })) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('VALIDATION');
    expect(failureFields(error)).toEqual(['bogus']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('canonical bytes', () => {
  @Model({ name: 'doc' })
  class Doc extends Model {
    @Field({ id: true }) key!: string;
    @Field() count!: number;
    @Field.json() meta!: unknown;
    @Field({ type: [String] }) flags!: string[];
    @Field() when!: Date;
  }
  const expected =
    '{\n' +
    '  "key": "k1",\n' +
    '  "count": 3,\n' +
    '  "meta": {\n' +
    '    "alpha": {\n' +
    '      "x": null,\n' +
    '      "y": [\n' +
    '        {\n' +
    '          "a": 1,\n' +
    '          "b": 2\n' +
    '        }\n' +
    '      ]\n' +
    '    },\n' +
    '    "zeta": 1\n' +
    '  },\n' +
    '  "flags": [\n' +
    '    "b",\n' +
    '    "a"\n' +
    '  ],\n' +
    '  "when": "2026-01-02T03:04:05.006Z"\n' +
    '}\n';
  const when = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

  test('declared order, two-space JSON, trailing newline, nested keys sorted: exact bytes', async () => {
    const { gitdir } = await open(Doc);
    await new Doc({
      when: new Date(when),
      meta: { zeta: 1, alpha: { y: [{ b: 2, a: 1 }], x: null } },
      flags: ['b', 'a'],
      count: 3,
      key: 'k1',
    }).save({ commit: true });
    expect(show(gitdir, 'doc/k1/data.json')).toBe(expected);
    expect(gitBytes(gitdir, 'cat-file', 'blob', 'main:doc/k1/data.json').toString('utf8')).toBe(expected);
    expectFsckClean(gitdir);
  });

  test('equal objects built differently, saved in two repos, give equal blob and tree oids', async () => {
    const first = await open(Doc);
    await new Doc({
      key: 'k1',
      count: 3,
      meta: { zeta: 1, alpha: { y: [{ b: 2, a: 1 }], x: null } },
      flags: ['b', 'a'],
      when: new Date(when),
    }).save({ commit: true });

    const second = await open(Doc);
    const d = new Doc();
    d.when = new Date(when);
    d.flags = ['b', 'a'];
    d.meta = { alpha: { x: null, y: [{ a: 1, b: 2 }] }, zeta: 1 };
    d.count = 3;
    d.key = 'k1';
    await d.save({ commit: true });

    const oid = (gitdir: string, rev: string) => git(gitdir, 'rev-parse', rev).trim();
    expect(oid(second.gitdir, 'main:doc/k1/data.json')).toBe(oid(first.gitdir, 'main:doc/k1/data.json'));
    expect(oid(second.gitdir, 'main^{tree}')).toBe(oid(first.gitdir, 'main^{tree}'));
    expect(show(second.gitdir, 'doc/k1/data.json')).toBe(expected);
    expectFsckClean(first.gitdir);
    expectFsckClean(second.gitdir);
  });

  test('keys the model does not declare survive a load and save unchanged', async () => {
    @Model({ name: 'page' })
    class Keeper extends Model {
      @Field({ id: true }) slug!: string;
      @Field() title!: string;
      @Field({ required: false }) summary?: string;
    }
    const original =
      '{\n  "slug": "old",\n  "title": "Old",\n  "legacyFlag": true,\n' +
      '  "migrated": {\n    "from": "v1",\n    "notes": [\n      1,\n      2\n    ]\n  }\n}\n';
    const gitdir = seedRepo({ 'page/old/data.json': original });
    const ws = await Workspace.open(gitdir);
    ws.register(Keeper);

    const unchanged = await Keeper.get('old');
    await unchanged.save();
    expect(ws.hasChanges()).toBe(false);

    const page = await Keeper.get('old');
    page.title = 'New';
    await page.save({ commit: true, message: 'retitle' });
    expect(show(gitdir, 'page/old/data.json')).toBe(original.replace('"Old"', '"New"'));
    expectFsckClean(gitdir);
  });
});

// ---------------------------------------------------------------------------------------------
describe('validation', () => {
  test('one ValidationError lists every failing field (type and class-validator) and nothing is written', async () => {
    const { gitdir, ws } = await open(Author, Page);
    await new Page({ slug: 'good', title: 'Good' }).save({ commit: true });
    const before = snapshot(gitdir);
    const head = ws.head;

    const bad = new Page({ slug: 'bad slug!', title: 'T', published: 'yes' as unknown as boolean });
    const error = (await rejected(bad.save({ commit: true }))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('VALIDATION');
    expect(failureFields(error)).toEqual(['published', 'slug']);
    expect(Object.keys(constraintsOf(error, 'published'))).toContain('type');
    expect(Object.keys(constraintsOf(error, 'slug'))).toContain('matches');

    expect(ws.hasChanges()).toBe(false);
    expect(await ws.diff()).toEqual([]);
    expect(ws.head).toBe(head);
    expect(snapshot(gitdir)).toEqual(before);
    expect(await Page.exists('bad slug!')).toBe(false);
    expectFsckClean(gitdir);
  });

  test('class-validator decorators run on every save, including a re-save of a loaded object', async () => {
    const { gitdir, ws } = await open(Author, Page);
    await new Author({ handle: 'dave', name: 'Dave', email: 'dave@example.com' }).save({ commit: true });
    const before = snapshot(gitdir);

    const dave = await Author.get('dave');
    dave.email = 'not an email';
    dave.name = '';
    const error = (await rejected(dave.save())) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(failureFields(error)).toEqual(['email', 'name']);
    expect(Object.keys(constraintsOf(error, 'email'))).toContain('isEmail');
    expect(Object.keys(constraintsOf(error, 'name'))).toContain('isLength');
    expect(ws.hasChanges()).toBe(false);
    expect(snapshot(gitdir)).toEqual(before);
    expect((await Author.get('dave')).email).toBe('dave@example.com');

    const page = new Page({ slug: 'p', title: 'x'.repeat(201) });
    const tooLong = (await rejected(page.save())) as ValidationError;
    expect(failureFields(tooLong)).toEqual(['title']);
    expect(ws.hasChanges()).toBe(false);
    expectFsckClean(gitdir);
  });
});
