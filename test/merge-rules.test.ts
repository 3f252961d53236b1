// Per-field merge rules (design 4.4) through ws.merge(), each judged on the merged data file as
// the git CLI shows it: the default conflict, ours/theirs, lww by commit time (and by a clock
// field), counter, union, max/min, deep, text (diff3), functions, a model-level function, blob
// fields by oid, onDelete; and the checks made when a schema resolves.
import { describe, expect, it } from 'vitest';
import { ConfigurationError, Field, Merge, Model, type ModelOptions, Workspace } from '../lib/index.js';
import { schemaOf } from '../lib/metadata/schema.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';

class Doc extends Model<Doc> {
  @Field({ id: true }) name!: string;
  @Field() plain: string = '';
  @Field({ merge: 'ours' }) mine: string = '';
  @Field({ merge: 'theirs' }) yours: string = '';
  @Field({ merge: 'lww' }) latest: string = '';
  @Field({ merge: 'counter' }) views: number = 5;
  @Field({ merge: 'counter' }) big: bigint = 10n;
  @Field({ type: [String], merge: 'union' }) tags: string[] = ['a', 'b'];
  @Field({ merge: 'max' }) revision: number = 1;
  @Field({ merge: 'min' }) since: Date = new Date('2026-01-01T00:00:00.000Z');
  @Field.json({ merge: 'deep' }) meta: Record<string, unknown> = { x: 1, nested: { a: 1, b: 1 } };
  @Field({ merge: 'text' }) body: string = 'one\ntwo\nthree\nfour\nfive\n';
  @Field({ merge: ({ base, ours, theirs }) => ours + theirs - (base ?? 0) }) sum: number = 0;
  @Field({ merge: ({ ours, theirs }) => (ours.length > 3 || theirs.length > 3 ? Merge.conflict : `${ours}${theirs}`) }) joined: string = '';
  @Field.blob({ merge: 'lww', required: false }) cover?: Uint8Array;
}

@Model({
  onDelete: 'delete-wins',
  merge: ({ ours, theirs }) => (ours.low > theirs.high ? Merge.conflict : { ...ours, low: Math.min(ours.low, theirs.low), high: Math.max(ours.high, theirs.high) }),
})
class Range extends Model<Range> {
  @Field({ id: true }) name!: string;
  @Field() low: number = 0;
  @Field() high: number = 0;
}

@Model({ onDelete: 'keep-wins', clock: 'updatedAt' })
class Note extends Model<Note> {
  @Field({ id: true }) name!: string;
  @Field({ merge: 'lww' }) text: string = '';
  @Field() updatedAt: Date = new Date(0);
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
let clock = Date.UTC(2026, 0, 1) / 1000;

/** A commit at a chosen time (seconds apart), so lww's order is known. */
async function commitAt(ws: Workspace, message: string, seconds?: number): Promise<string> {
  clock += 10;
  const date = new Date((seconds ?? clock) * 1000);
  return (await ws.commit({ message, author: { ...AUTHOR, date }, committer: { ...AUTHOR, date } }))!;
}

async function setup() {
  const path = newRepoPath();
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Doc, Range, Note);
  await new Doc({ name: 'd' }).save();
  await new Range({ name: 'r', low: 5, high: 10 }).save();
  await new Note({ name: 'n', text: 'base' }).save();
  await commitAt(ws, 'base');
  await ws.branches.create('feature');
  return { path, ws };
}

/** Theirs' edits on feature (committed first, so earlier), then ours' on main; then the merge. */
async function both(ws: Workspace, theirs: () => Promise<unknown>, ours: () => Promise<unknown>, order: 'theirs-first' | 'ours-first' = 'theirs-first') {
  const t = async () => {
    await ws.switch('feature');
    await theirs();
    await commitAt(ws, 'theirs');
    await ws.switch('main');
  };
  const o = async () => {
    await ours();
    await commitAt(ws, 'ours');
  };
  if (order === 'theirs-first') await t(), await o();
  else await o(), await t();
  return ws.merge('feature');
}

async function edit(cls: { get(id: string): Promise<unknown> }, id: string, change: Record<string, unknown>) {
  const object = (await cls.get(id)) as Model;
  Object.assign(object, change);
  await object.save();
}

function stored(path: string, file = 'doc/d/data.json'): Record<string, unknown> {
  return JSON.parse(git(path, 'show', `main:${file}`));
}

describe('field rules', () => {
  it('no rule: both sides changing a field is a conflict; ours and theirs pick a side', async () => {
    const { ws } = await setup();
    const result = await both(
      ws,
      () => edit(Doc, 'd', { plain: 'T', mine: 'T', yours: 'T' }),
      () => edit(Doc, 'd', { plain: 'O', mine: 'O', yours: 'O' }),
    );
    expect(result.conflicts).toEqual([expect.objectContaining({ kind: 'field', field: 'plain', base: '', ours: 'O', theirs: 'T' })]);
    expect(result.resolved.map((r) => [r.kind === 'field' && r.field, r.how])).toEqual([
      ['mine', 'ours'],
      ['yours', 'theirs'],
    ]);
    const doc = await Doc.get('d');
    expect({ mine: doc.mine, yours: doc.yours }).toEqual({ mine: 'O', yours: 'T' });
  });

  it('lww: the side whose commit touching the object is later wins, whichever merges', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { latest: 'theirs, earlier' }), () => edit(Doc, 'd', { latest: 'ours, later' }));
    expect(stored(path).latest).toBe('ours, later');
    const second = await setup();
    await both(second.ws, () => edit(Doc, 'd', { latest: 'theirs, later' }), () => edit(Doc, 'd', { latest: 'ours, earlier' }), 'ours-first');
    expect(stored(second.path).latest).toBe('theirs, later');
  });

  it('lww with a clock field compares the field, not commit times', async () => {
    const { path, ws } = await setup();
    await both(
      ws,
      () => edit(Note, 'n', { text: 'theirs', updatedAt: new Date('2026-06-01T00:00:00Z') }),
      () => edit(Note, 'n', { text: 'ours', updatedAt: new Date('2026-05-01T00:00:00Z') }),
    );
    // updatedAt itself (no rule) conflicts; text follows the clock
    expect((await Note.get('n')).text).toBe('theirs');
    expect(ws.merging!.conflicts).toEqual([expect.objectContaining({ field: 'updatedAt' })]);
    await ws.resolveAll('theirs');
    await ws.commit();
    expect(stored(path, 'note/n/data.json')).toMatchObject({ text: 'theirs' });
  });

  it('counter adds both deltas: 5 → 6 on both sides gives 7 (bigints too)', async () => {
    const { path, ws } = await setup();
    const result = await both(ws, () => edit(Doc, 'd', { views: 6, big: 11n }), () => edit(Doc, 'd', { views: 6, big: 15n }));
    expect(result.status).toBe('merged');
    expect(stored(path)).toMatchObject({ views: 7, big: '16' });
    expect(result.resolved.map((r) => r.how)).toEqual(['counter', 'counter']);
    expectFsckClean(path);
  });

  it('union: kept ∪ added by either, minus removed by either', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { tags: ['a', 'c'] }), () => edit(Doc, 'd', { tags: ['b', 'd', 'a'] }));
    // theirs removed b, added c; ours added d
    expect(stored(path).tags).toEqual(['d', 'a', 'c']);
  });

  it('max and min', async () => {
    const { path, ws } = await setup();
    await both(
      ws,
      () => edit(Doc, 'd', { revision: 9, since: new Date('2025-06-01T00:00:00Z') }),
      () => edit(Doc, 'd', { revision: 4, since: new Date('2025-09-01T00:00:00Z') }),
    );
    expect(stored(path)).toMatchObject({ revision: 9, since: '2025-06-01T00:00:00.000Z' });
  });

  it('deep merges JSON key by key; the same key changed two ways conflicts', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { meta: { x: 1, y: 2, nested: { a: 2, b: 1 } } }), () => edit(Doc, 'd', { meta: { x: 3, nested: { a: 1, b: 3 } } }));
    expect(stored(path).meta).toEqual({ nested: { a: 2, b: 3 }, x: 3, y: 2 });
    const second = await setup();
    const result = await both(second.ws, () => edit(Doc, 'd', { meta: { x: 2, nested: { a: 1, b: 1 } } }), () => edit(Doc, 'd', { meta: { x: 3, nested: { a: 1, b: 1 } } }));
    expect(result.conflicts).toEqual([expect.objectContaining({ field: 'meta' })]);
  });

  it('text merges line by line (diff3); overlapping edits conflict', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { body: 'ONE\ntwo\nthree\nfour\nfive\n' }), () => edit(Doc, 'd', { body: 'one\ntwo\nthree\nfour\nFIVE\nsix\n' }));
    expect(stored(path).body).toBe('ONE\ntwo\nthree\nfour\nFIVE\nsix\n');
    const second = await setup();
    const result = await both(second.ws, () => edit(Doc, 'd', { body: 'one\nTWO\nthree\nfour\nfive\n' }), () => edit(Doc, 'd', { body: 'one\n2\nthree\nfour\nfive\n' }));
    expect(result.conflicts).toEqual([expect.objectContaining({ field: 'body', ours: 'one\n2\nthree\nfour\nfive\n', theirs: 'one\nTWO\nthree\nfour\nfive\n' })]);
  });

  it('a function merges the field, or keeps the conflict with Merge.conflict', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { sum: 3, joined: 'ab' }), () => edit(Doc, 'd', { sum: 4, joined: 'cd' }));
    expect(stored(path)).toMatchObject({ sum: 7, joined: 'cdab' });
    const second = await setup();
    const result = await both(second.ws, () => edit(Doc, 'd', { joined: 'long one' }), () => edit(Doc, 'd', { joined: 'x' }));
    expect(result.conflicts).toEqual([expect.objectContaining({ field: 'joined' })]);
  });

  it('blob fields merge by oid; lww picks the later side', async () => {
    const { path, ws } = await setup();
    await both(ws, () => edit(Doc, 'd', { cover: new Uint8Array([1, 2, 3]) }), () => edit(Doc, 'd', { cover: new Uint8Array([9]) }));
    expect(git(path, 'show', 'main:doc/d/cover')).toBe('\t');
    const second = await setup();
    await both(second.ws, () => edit(Doc, 'd', { cover: new Uint8Array([65]) }), () => edit(Doc, 'd', { cover: new Uint8Array([66]) }), 'ours-first');
    expect(git(second.path, 'show', 'main:doc/d/cover')).toBe('A');
    expectFsckClean(second.path);
  });

  it('a model-level function merges whole objects first; Merge.conflict hands over to the field rules', async () => {
    const { path, ws } = await setup();
    const result = await both(ws, () => edit(Range, 'r', { low: 2 }), () => edit(Range, 'r', { low: 3, high: 20 }));
    expect(result.status).toBe('merged');
    expect(stored(path, 'range/r/data.json')).toEqual({ name: 'r', low: 2, high: 20 });
    const second = await setup();
    const conflict = await both(second.ws, () => edit(Range, 'r', { high: 1, low: 0 }), () => edit(Range, 'r', { low: 4, high: 8 }));
    expect(conflict.conflicts.map((c) => c.kind === 'field' && c.field).sort()).toEqual(['high', 'low']);
  });

  it("onDelete: 'delete-wins' and 'keep-wins'", async () => {
    const { path, ws } = await setup();
    const result = await both(
      ws,
      async () => {
        await edit(Range, 'r', { low: 1 });
        await Note.delete('n');
      },
      async () => {
        await Range.delete('r');
        await edit(Note, 'n', { text: 'kept' });
      },
    );
    expect(result.status).toBe('merged');
    expect(result.resolved.map((r) => [r.kind, r.how])).toEqual(expect.arrayContaining([['delete-modify', 'delete-wins'], ['delete-modify', 'keep-wins']]));
    const files = git(path, 'ls-tree', '-r', '--name-only', 'main');
    expect(files).not.toContain('range/r/');
    expect(stored(path, 'note/n/data.json')).toMatchObject({ text: 'kept' });
  });
});

describe('rule checks when a schema resolves', () => {
  const declare = (make: () => Function) => () => schemaOf(make());
  it('counter only on numbers, union only on arrays, text only on strings, deep only on JSON', () => {
    expect(
      declare(() => {
        class A extends Model {
          @Field({ id: true }) id2!: string;
          @Field({ merge: 'counter' }) s: string = '';
        }
        return A;
      }),
    ).toThrow(ConfigurationError);
    expect(
      declare(() => {
        class B extends Model {
          @Field({ merge: 'union' }) n: number = 0;
        }
        return B;
      }),
    ).toThrow(/'union' applies to array fields/);
    expect(
      declare(() => {
        class C extends Model {
          @Field({ merge: 'text' }) n: number = 0;
        }
        return C;
      }),
    ).toThrow(/'text' applies to string fields/);
    expect(
      declare(() => {
        class D extends Model {
          @Field({ merge: 'deep' }) s: string = '';
        }
        return D;
      }),
    ).toThrow(/'deep' applies to JSON fields/);
    expect(
      declare(() => {
        class E extends Model {
          @Field({ merge: 'nonsense' as never }) s: string = '';
        }
        return E;
      }),
    ).toThrow(/unknown merge rule/);
    expect(
      declare(() => {
        @Model({ onDelete: 'sometimes' } as unknown as ModelOptions)
        class F extends Model {
          @Field() s: string = '';
        }
        return F;
      }),
    ).toThrow(/onDelete/);
    expect(
      declare(() => {
        class G extends Model {
          @Field({ type: [String], merge: 'union' }) tags: string[] = [];
          @Field({ merge: 'counter' }) n: bigint = 0n;
          @Field.json({ merge: 'deep' }) j = {};
          @Field({ merge: 'text' }) t: string = '';
        }
        return G;
      }),
    ).not.toThrow();
  });
});
