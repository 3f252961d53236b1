// Reads are served from a cache of decoded data files (filled by reads and saves). These tests pin
// down that the cache is invisible: no instance shares mutable state with another, and what a get
// returns after a save is what decoding the stored bytes gives.
import { describe, expect, it } from 'vitest';
import { Field, Model, Ref, Workspace } from '../lib/index.js';
import { expectFsckClean, git, newRepoPath } from './helpers.js';

class Note extends Model {
  @Field({ id: true }) key!: string;
  @Field({ type: [String] }) tags: string[] = [];
  @Field() at!: Date;
  @Field.json() meta: unknown = {};
  @Field() score: number = 0;
}

async function setup() {
  const path = newRepoPath();
  const ws = await Workspace.open(path);
  ws.register(Note);
  return { path, ws };
}

describe('decoded-object cache', () => {
  it('instances never share arrays, dates or JSON with each other or with the cache', async () => {
    const { path, ws } = await setup();
    const note = new Note({ key: 'n', tags: ['a'], at: new Date('2026-01-01T00:00:00Z'), meta: { x: [1] } });
    await note.save({ commit: true, message: 'n' });
    note.tags.push('mutated after save');
    note.at.setUTCFullYear(1999);
    (note.meta as { x: number[] }).x.push(2);

    const first = await Note.get('n');
    expect(first.tags).toEqual(['a']);
    expect(first.at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(first.meta).toEqual({ x: [1] });
    first.tags.push('mutated after get');
    first.at.setUTCFullYear(2000);
    (first.meta as { x: number[] }).x.push(3);

    const second = await Note.get('n');
    expect(second.tags).toEqual(['a']);
    expect(second.at.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(second.meta).toEqual({ x: [1] });
    expect(JSON.parse(git(path, 'show', 'main:note/n/data.json')).tags).toEqual(['a']);
    expectFsckClean(path);
    void ws;
  });

  it('a get after a save returns what decoding the stored bytes returns (sorted JSON keys, -0 as 0)', async () => {
    const { path } = await setup();
    await new Note({ key: 'k', at: new Date(0), meta: { b: 1, a: { d: 2, c: 3 } }, score: -0 }).save({ commit: true, message: 'k' });
    const cached = await Note.get('k');
    // the cached copy made at save time must match what git stores
    const stored = JSON.parse(git(path, 'show', 'main:note/k/data.json'));
    expect(Object.keys(cached.meta as object)).toEqual(Object.keys(stored.meta));
    expect(Object.keys((cached.meta as { a: object }).a)).toEqual(['c', 'd']);
    expect(Object.is(cached.score, 0)).toBe(true);
  });

  it('an object changed by another writer is read fresh: the cache is keyed by content, not by id', async () => {
    const { path, ws } = await setup();
    await new Note({ key: 'k', at: new Date(0), tags: ['one'] }).save({ commit: true, message: 'one' });
    expect((await Note.get('k')).tags).toEqual(['one']);
    // the same id, new content, written through a second workspace on the same repository
    const other = await Workspace.open(path);
    class Note2 extends Note {}
    Object.defineProperty(Note2, 'name', { value: 'Note' });
    other.register(Note2);
    const loaded = await Note2.get('k');
    loaded.tags = ['two'];
    await loaded.save({ commit: true, message: 'two' });
    expect((await Note.get('k', { at: 'main' })).tags).toEqual(['two']);
    expect((await Note.get('k', { at: 'main~1' })).tags).toEqual(['one']);
    void ws;
  });

  it('a read runs the constructors and sees defaults for fields its file lacks, whatever way a class constructs', async () => {
    const built: string[] = [];
    @Model({ name: 'thing' })
    class Old extends Model {
      @Field({ id: true }) key!: string;
      @Field() n!: number;
    }
    // the same stored objects read through classes that construct in each way a read must honour
    @Model({ name: 'thing' })
    class Counted extends Model {
      @Field({ id: true }) key!: string;
      @Field() n!: number;
      @Field({ type: [Number] }) list: number[] = [7];
      seen = built.push('Counted');
    }
    @Model({ name: 'thing' })
    class Defaulted extends Model {
      @Field({ id: true }) key!: string;
      @Field() n!: number;
      @Field({ default: 'fresh' }) label!: string;
      @Field({ default: () => new Date(5) }) at!: Date;
    }
    @Model({ name: 'thing' })
    class GivesInit extends Model {
      @Field({ id: true }) key!: string;
      @Field() n!: number;
      @Field() label?: string;
      constructor(init?: object) {
        super(init ?? { label: 'from constructor' });
        built.push('GivesInit');
      }
    }
    const path = newRepoPath();
    // one workspace per class: a workspace holds one class per model name
    const open = async (cls: Function) => (await Workspace.open(path)).register(cls);
    await open(Old);
    const saved = new Old({ key: 'k', n: 1 });
    await saved.save({ commit: true, message: 'k' });

    await open(Counted);
    const counted = await Counted.get('k');
    expect([counted.n, counted.list, counted.seen, counted.oid, counted.id]).toEqual([1, [7], 1, saved.oid, 'k']);
    expect((await Counted.get('k')).list).not.toBe(counted.list);
    await open(Defaulted);
    const defaulted = await Defaulted.get('k');
    expect([defaulted.n, defaulted.label, defaulted.at.getTime(), defaulted.oid]).toEqual([1, 'fresh', 5, saved.oid]);
    await open(GivesInit);
    const given = await GivesInit.get('k');
    expect([given.n, given.label, given.oid, given.id]).toEqual([1, 'from constructor', saved.oid, 'k']);
    // one construction per read (GivesInit's first is the once-per-class probe construct.ts makes)
    expect(built).toEqual(['Counted', 'Counted', 'GivesInit', 'GivesInit']);
    // each read's instance is the stored object: saving it is an update of it
    expect(await given.save({ commit: true, message: 'label' })).not.toBeNull();
    expect([(await GivesInit.get('k')).label, (await GivesInit.all()).length]).toEqual(['from constructor', 1]);
    // a new object built the ordinary way still takes its argument and defaults
    expect(new Defaulted({ key: 'x', n: 3 }).label).toBe('fresh');
    expect(new Counted({ key: 'y', n: 4 }).oid).toBeNull();
  });

  it('a reference read from a file is a Ref loading from the same revision, one per read', async () => {
    class Author extends Model {
      @Field({ id: true }) handle!: string;
      @Field() name!: string;
    }
    class Post extends Model {
      @Field({ id: true }) slug!: string;
      @Field.ref(() => Author) author!: Ref<Author>;
    }
    const ws = await Workspace.open(newRepoPath());
    ws.register(Author, Post);
    await new Author({ handle: 'ada', name: 'Ada' }).save();
    await new Post({ slug: 'p', author: 'ada' }).save({ commit: true, message: 'p' });
    const first = await Post.get('p');
    const second = await Post.get('p');
    expect(first.author).not.toBe(second.author);
    expect([first.author.id, (await first.author.load()).name]).toEqual(['ada', 'Ada']);
  });
});
