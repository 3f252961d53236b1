// Queries and secondary indexes (docs/QUERIES.md): every result checked against a brute-force
// filter and sort over Model.all() on generated data; work asserted through the index's own
// counters (never time); index files corrupted, deleted and stale; unique constraints at save and
// in the commit loop with two workspaces on one repository.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  ConfigurationError,
  CorruptObjectError,
  Field,
  MemoryBackend,
  Model,
  Ref,
  UnindexedQueryError,
  UniqueConstraintError,
  Workspace,
  type IndexStatus,
  type Where,
} from '../lib/index.js';
import { caught, expectFsckClean, git, newRepoPath, openWith, rejected } from './helpers.js';
import { finished, useWorkers } from './worker-build.js';

class Author extends Model<Author> {
  @Field({ id: true }) slug!: string;
  @Field() name: string = '';
}

class Post extends Model<Post> {
  @Field({ id: true }) slug!: string;
  @Field({ unique: true, type: String, nullable: true }) title: string | null = null;
  @Field({ index: true }) published: boolean = false;
  @Field({ type: [String], index: true }) tags: string[] = [];
  @Field({ index: true, type: Date, nullable: true }) updatedAt: Date | null = null;
  @Field({ index: true }) views: number = 0;
  @Field.decimal({ index: true }) price = '0.00';
  @Field({ index: true, type: BigInt }) big: bigint = 0n;
  @Field.ref(() => Author, { index: true, nullable: true }) author: Ref<Author> | null = null;
  /** not indexed: queries on it read objects */
  @Field() rank: number = 0;
  @Field({ type: String, required: false }) summary?: string;
}

/** A small deterministic generator, so a failure names data that can be made again. */
function rng(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

const TAGS = ['news', 'tech', 'art', 'food', 'Tech'];
const AUTHORS = ['ada', 'bob', 'cy', 'ghost'];

async function seed(ws: Workspace, n: number): Promise<void> {
  const r = rng(7);
  for (const slug of AUTHORS.slice(0, 3)) await new Author({ slug, name: slug.toUpperCase() }).save();
  for (let i = 0; i < n; i++) {
    const pick = r();
    const post = new Post({
      slug: `post-${String(i).padStart(3, '0')}`,
      title: pick < 0.2 ? null : `Title ${i}`,
      published: r() < 0.5,
      tags: TAGS.filter(() => r() < 0.3),
      updatedAt: r() < 0.15 ? null : new Date(Date.UTC(2024, 0, 1 + Math.floor(r() * 60))),
      views: Math.floor(r() * 20) - 5,
      price: `${Math.floor(r() * 30)}.${r() < 0.5 ? '5' : '50'}`,
      big: BigInt(Math.floor(r() * 10)) * 10n ** 20n,
      author: r() < 0.2 ? null : AUTHORS[Math.floor(r() * AUTHORS.length)],
      rank: Math.floor(r() * 5),
    });
    if (r() < 0.4) post.summary = r() < 0.5 ? 'short' : 'a longer summary';
    await post.save();
  }
  await ws.commit({ message: 'seed' });
}

/**
 * Commits an object of a looser model stored as "post" (no unique check, other field types), as
 * another tool would, then brings `ws` (with Author and Post bound again) up to that commit.
 */
async function writtenByAnotherTool(gitdir: string, ws: Workspace, cls: new (init: object) => Model, values: object): Promise<void> {
  const other = await Workspace.open(gitdir);
  Model({ name: 'post' })(cls);
  other.register(cls);
  await new cls(values).save({ commit: true });
  ws.register(Author, Post);
  await ws.discard();
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('declaring indexes', () => {
  test('index and unique on json, blob or nested-array fields are ConfigurationErrors naming the field', () => {
    class J extends Model {
      @Field.json({ index: true }) data: unknown = {};
    }
    class B extends Model {
      @Field.blob({ unique: true }) file: Uint8Array | null = null;
    }
    class N extends Model {
      @Field({ type: [[Number]], index: true }) grid: number[][] = [];
    }
    for (const [cls, field] of [[J, 'data'], [B, 'file'], [N, 'grid']] as const) {
      const error = caught(() => new cls()) as ConfigurationError;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.data).toEqual({ model: cls.name.toLowerCase(), field });
      expect(error.message).toMatch(/has no order to index by/);
    }
  });
});

describe('Model.find on generated data, checked against a brute-force filter over Model.all()', () => {
  let ws: Workspace;
  let all: Post[];
  beforeAll(async () => {
    ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await seed(ws, 240);
    all = await Post.all();
  });

  const day = (d: number) => new Date(Date.UTC(2024, 0, d));
  const cases: [string, Where<Post>, (p: Post) => boolean][] = [
    ['eq boolean', { published: true }, (p) => p.published],
    ['eq null', { title: null }, (p) => p.title === null],
    ['ne', { views: { ne: 3 } }, (p) => p.views !== 3],
    ['ne null', { updatedAt: { ne: null } }, (p) => p.updatedAt !== null],
    ['in', { views: { in: [1, 2, 14] } }, (p) => [1, 2, 14].includes(p.views)],
    ['notIn', { views: { notIn: [0, 1] } }, (p) => ![0, 1].includes(p.views)],
    ['gt/lte numbers (negative too)', { views: { gt: -2, lte: 4 } }, (p) => p.views > -2 && p.views <= 4],
    ['date range', { updatedAt: { gte: day(10), lt: day(20) } }, (p) => p.updatedAt !== null && p.updatedAt >= day(10) && p.updatedAt < day(20)],
    ['decimal numerically, not as text', { price: { gt: '9.5' } }, (p) => Number(p.price) > 9.5],
    ['decimal equality ignores trailing zeros', { price: '3.5' }, (p) => Number(p.price) === 3.5],
    ['bigint range', { big: { gte: 5n * 10n ** 20n } }, (p) => p.big >= 5n * 10n ** 20n],
    ['startsWith on the id', { id: { startsWith: 'post-1' } }, (p) => p.slug.startsWith('post-1')],
    ['endsWith', { title: { endsWith: '7' } }, (p) => p.title !== null && p.title.endsWith('7')],
    ['contains, case-sensitive', { title: { contains: 'e 1' } }, (p) => p.title !== null && p.title.includes('e 1')],
    ['has', { tags: { has: 'news' } }, (p) => p.tags.includes('news')],
    ['hasSome', { tags: { hasSome: ['art', 'Tech'] } }, (p) => p.tags.includes('art') || p.tags.includes('Tech')],
    ['hasEvery', { tags: { hasEvery: ['news', 'tech'] } }, (p) => p.tags.includes('news') && p.tags.includes('tech')],
    ['isEmpty', { tags: { isEmpty: true } }, (p) => p.tags.length === 0],
    ['ref by id', { author: 'ada' }, (p) => p.author?.id === 'ada'],
    ['ref null', { author: null }, (p) => p.author === null],
    ['unindexed field (read from objects)', { rank: { gte: 3 } }, (p) => p.rank >= 3],
    ['absent: exists false', { summary: { exists: false } }, (p) => p.summary === undefined],
    ['absent is not null, not ne', { summary: { ne: 'short' } }, (p) => p.summary !== undefined && p.summary !== 'short'],
    ['AND of indexed and unindexed', { published: true, rank: 1, tags: { has: 'tech' } }, (p) => p.published && p.rank === 1 && p.tags.includes('tech')],
    ['OR', { OR: [{ views: { lt: 0 } }, { author: 'bob' }] }, (p) => p.views < 0 || p.author?.id === 'bob'],
    ['OR with an unindexed branch', { OR: [{ rank: 0 }, { author: 'cy' }] }, (p) => p.rank === 0 || p.author?.id === 'cy'],
    ['NOT', { NOT: { published: true, views: { gt: 5 } } }, (p) => !(p.published && p.views > 5)],
    ['NOT of unindexed', { NOT: { rank: 2 } }, (p) => p.rank !== 2],
    ['nested AND/OR/NOT', { AND: [{ OR: [{ tags: { has: 'art' } }, { title: null }] }, { NOT: { author: null } }] }, (p) => (p.tags.includes('art') || p.title === null) && p.author !== null],
  ];

  test.each(cases)('%s', async (_name, where, expected) => {
    const want = all.filter(expected).map((p) => p.slug);
    expect(want.length).toBeGreaterThan(0);
    expect(await Post.findIds({ where })).toEqual(want);
    expect(await Post.count({ where })).toBe(want.length);
    const objects = await Post.find({ where });
    expect(objects.map((p) => p.slug)).toEqual(want);
    // results are instances exactly as get() builds them
    expect(objects[0]).toBeInstanceOf(Post);
    expect(objects[0]).toEqual(await Post.get(objects[0].slug));
    // select: the same rows as plain objects of the selected fields, from the index alone (no
    // object read beyond what the where itself reads)
    let read = counters().objectsRead;
    await Post.findIds({ where });
    const whereReads = counters().objectsRead - read;
    read = counters().objectsRead;
    const picked = await Post.find({ where, select: { title: true, published: true, updatedAt: true, author: true, big: true, views: true } });
    expect(picked).toEqual(objects.map((p) => ({ id: p.slug, title: p.title, published: p.published, updatedAt: p.updatedAt, author: p.author, big: p.big, views: p.views })));
    expect(counters().objectsRead - read).toBe(whereReads);
  });

  const counters = () => ws.indexes.status().find((s) => s.model === 'post')!.counters;

  test('select: served from the index when it holds every selected field, else read from the objects; staged rows, `at`, include', async () => {
    const where: Where<Post> = { published: true, tags: { has: 'tech' } };
    const want = all.filter((p) => p.published && p.tags.includes('tech'));
    // a decimal's index key is canonical ('1.50' is '1.5'), an array's keys are sorted, rank has no
    // index: each result is read once, and gives the values as stored
    let read = counters().objectsRead;
    const priced = await Post.find({ where, select: { price: true, tags: true, rank: true, summary: true }, orderBy: { views: 'desc' } });
    const byViews = [...want].sort((a, b) => b.views - a.views || byId(a, b));
    expect(priced).toEqual(byViews.map((p) => ({ id: p.slug, price: p.price, tags: p.tags, rank: p.rank, ...(p.summary !== undefined && { summary: p.summary }) })));
    expect(priced.some((p) => p.price.endsWith('0'))).toBe(true);
    expect(counters().objectsRead - read).toBe(want.length);
    // the id field by its name, and a picker over a unique field: no object read
    read = counters().objectsRead;
    const picker = await Post.find({ select: { slug: true, title: true }, where: { title: { ne: null } }, orderBy: { title: 'asc' }, limit: 5 });
    const titled = all.filter((p) => p.title !== null).sort((a, b) => (a.title! < b.title! ? -1 : a.title! > b.title! ? 1 : byId(a, b)));
    expect(picker).toEqual(titled.slice(0, 5).map((p) => ({ id: p.slug, slug: p.slug, title: p.title })));
    expect(counters().objectsRead).toBe(read);
    // a reference selected from the index loads its object; with include, once per distinct id and without I/O later
    const withAuthor = await Post.find({ where: { author: 'ada' }, select: { author: true }, include: { author: true }, limit: 3 });
    expect(withAuthor.map((p) => p.author?.id)).toEqual(['ada', 'ada', 'ada']);
    const ada = await withAuthor[0].author!.load();
    expect(ada).toBeInstanceOf(Author);
    expect(await withAuthor[1].author!.load()).toBe(ada);
    expect((await (await Post.find({ where: { author: 'bob' }, select: { author: true }, limit: 1 }))[0].author!.load()).name).toBe('BOB');

    // staged changes (delta rows) are selected from their rows too; `at` sees the commit
    const head = ws.head!;
    const first = await Post.get(want[0].slug);
    first.tags = ['changed'];
    first.views = 1000;
    await first.save();
    await Post.delete(want[1].slug);
    read = counters().objectsRead;
    const staged = await Post.find({ where: { OR: [{ tags: { has: 'changed' } }, { id: want[1].slug }] }, select: { tags: true, views: true } });
    expect(staged).toEqual([{ id: first.slug, tags: ['changed'], views: 1000 }]);
    const before = await Post.find({ where: { id: { in: [want[0].slug, want[1].slug] } }, select: { tags: true, views: true }, at: head });
    expect(before).toEqual([want[0], want[1]].map((p) => ({ id: p.slug, tags: p.tags, views: p.views })));
    await ws.discard();

    // what select takes: fields of the model (the id by its name or `id`), true, no blob; refused
    // before any work, so a staged change is not brought into the index by a refused query
    const edited = await Post.get(all[0].slug);
    edited.views += 1;
    await edited.save();
    const untouched = JSON.stringify(counters());
    for (const select of [{ nope: true }, { title: 1 }, { title: 'yes' }]) {
      const error = await rejected(Post.find({ select } as never).toArray());
      expect(error).toBeInstanceOf(ConfigurationError);
    }
    expect(await rejected(Post.find({ select: { title: true }, include: { author: true } } as never).toArray())).toBeInstanceOf(ConfigurationError);
    expect(JSON.stringify(counters())).toBe(untouched);
    await Post.count({ where: { published: true } });
    expect(JSON.stringify(counters())).not.toBe(untouched);
    await ws.discard();
    expect(await Post.find({ select: { id: true }, limit: 2 })).toEqual(all.slice(0, 2).map((p) => ({ id: p.slug })));
  });

  test('orderBy with nulls, several keys, ties by id; offset and limit', async () => {
    const dateKey = (p: Post) => (p.updatedAt === null ? null : p.updatedAt.getTime());
    const cmp = (a: number | null, b: number | null, desc: boolean, nullsFirst: boolean) =>
      a === null || b === null ? (a === b ? 0 : (a === null) === nullsFirst ? -1 : 1) : desc ? b - a : a - b;
    const sorted = (desc: boolean, nullsFirst: boolean) =>
      [...all].sort((a, b) => cmp(dateKey(a), dateKey(b), desc, nullsFirst) || byId(a, b)).map((p) => p.slug);
    expect(await Post.findIds({ orderBy: { updatedAt: 'asc' } })).toEqual(sorted(false, true));
    expect(await Post.findIds({ orderBy: { updatedAt: 'desc' } })).toEqual(sorted(true, false));
    expect(await Post.findIds({ orderBy: { updatedAt: { sort: 'desc', nulls: 'first' } } })).toEqual(sorted(true, true));
    expect(await Post.findIds({ orderBy: { updatedAt: { sort: 'asc', nulls: 'last' } }, offset: 30, limit: 25 })).toEqual(sorted(false, false).slice(30, 55));
    // top-k walks of the sorted column (every direction and null placement), filtered
    const published = new Set(all.filter((p) => p.published).map((p) => p.slug));
    for (const [sort, nulls] of [['asc', 'first'], ['asc', 'last'], ['desc', 'first'], ['desc', 'last']] as const) {
      const want = sorted(sort === 'desc', nulls === 'first').filter((id) => published.has(id)).slice(5, 20);
      expect(await Post.findIds({ where: { published: true }, orderBy: { updatedAt: { sort, nulls } }, offset: 5, limit: 15 })).toEqual(want);
    }
    const multi = [...all].sort((a, b) => Number(b.published) - Number(a.published) || Number(a.price) - Number(b.price) || byId(a, b));
    expect(await Post.findIds({ orderBy: [{ published: 'desc' }, { price: 'asc' }] })).toEqual(multi.map((p) => p.slug));
    // an unindexed order reads the objects, with the same result
    const byRank = [...all].filter((p) => p.published).sort((a, b) => b.rank - a.rank || byId(a, b));
    expect(await Post.findIds({ where: { published: true }, orderBy: { rank: 'desc' }, limit: 10 })).toEqual(byRank.slice(0, 10).map((p) => p.slug));
    expect((await Post.findOne({ where: { author: 'bob' }, orderBy: { views: 'desc' } }))?.slug).toBe(
      [...all].filter((p) => p.author?.id === 'bob').sort((a, b) => b.views - a.views || byId(a, b))[0].slug,
    );
    expect(await Post.findOne({ where: { author: 'nobody' } })).toBeNull();
  });

  test('findPage walks every result once, in order, by cursor', async () => {
    const where: Where<Post> = { tags: { isEmpty: false } };
    const orderBy = { views: 'desc' } as const;
    const want = await Post.findIds({ where, orderBy });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: { items: Post[]; next: string | null } = await Post.findPage({ where, orderBy, limit: 17, after });
      seen.push(...page.items.map((p) => p.slug));
      after = page.next;
      pages++;
    } while (after);
    expect(seen).toEqual(want);
    expect(pages).toBe(Math.ceil(want.length / 17));
    expect((await rejected(Post.findPage({ limit: 5, after: 'zz' }))) as ConfigurationError).toBeInstanceOf(ConfigurationError);
  });

  test('for await streams the same results', async () => {
    const out: string[] = [];
    for await (const p of Post.find({ where: { published: false }, orderBy: { price: 'desc' } })) out.push(p.slug);
    expect(out).toEqual(await Post.findIds({ where: { published: false }, orderBy: { price: 'desc' } }));
  });

  test('explain() says what the index answers and what is read from objects', async () => {
    const plan = await Post.find({ where: { published: true, rank: 2 }, orderBy: { views: 'asc' } }).explain();
    expect(plan).toMatchObject({ model: 'post', rows: 240, indexed: ['published'], scanned: ['rank'], order: 'index' });
    expect(plan.candidates).toBe(all.filter((p) => p.published).length);
    expect(await Post.find({ orderBy: { rank: 'asc' } }).explain()).toMatchObject({ scanned: [], order: 'objects', candidates: 240 });
  });

  test('an indexed query reads no object to find ids; an unindexed one reads each candidate once', async () => {
    const counters = () => (ws.indexes.status().find((s) => s.model === 'post') as IndexStatus).counters;
    const before = counters().objectsRead;
    await Post.findIds({ where: { tags: { has: 'art' }, views: { gt: 0 } }, orderBy: { updatedAt: 'desc' } });
    await Post.count({ where: { author: 'ada' } });
    expect(counters().objectsRead).toBe(before);
    await Post.findIds({ where: { author: 'ada', rank: 1 } });
    expect(counters().objectsRead - before).toBe(all.filter((p) => p.author?.id === 'ada').length);
  });

  test('wrong fields, operators and value types are ConfigurationErrors at run time too', async () => {
    for (const where of [{ nope: 1 }, { published: 'yes' }, { views: { has: 1 } }, { updatedAt: { startsWith: '2024' } }, { tags: 'news' }, { price: 'cheap' }]) {
      expect(await rejected(Post.findIds({ where } as never))).toBeInstanceOf(ConfigurationError);
    }
    expect(await rejected(Post.findIds({ orderBy: { tags: 'asc' } } as never))).toBeInstanceOf(ConfigurationError);
    expect(await rejected(Post.findIds({ limit: -1 }))).toBeInstanceOf(ConfigurationError);
  });
});

describe('snapshots: staged changes, revisions, upkeep proportional to the change', () => {
  test('queries see staged saves and deletes; `at` sees exactly that commit', async () => {
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await seed(ws, 50);
    const first = ws.head!;
    const news = await Post.findIds({ where: { tags: { has: 'news' } } });
    const post = await Post.get('post-001');
    post.tags = ['news', 'special'];
    await post.save();
    await Post.delete(news[0]);
    await new Post({ slug: 'post-new', tags: ['special'] }).save();
    expect(await Post.findIds({ where: { tags: { has: 'special' } } })).toEqual(['post-001', 'post-new']);
    expect(await Post.findIds({ where: { tags: { has: 'news' } } })).not.toContain(news[0]);
    expect(await Post.findIds({ where: { tags: { has: 'special' } }, at: 'HEAD' })).toEqual([]);
    await ws.commit({ message: 'second' });
    expect(await Post.findIds({ where: { tags: { has: 'news' } }, at: first })).toEqual(news);
    expect(await Post.findIds({ where: { tags: { has: 'special' } }, at: 'HEAD' })).toEqual(['post-001', 'post-new']);
    // a top-k over the index merges staged rows in
    const top = await Post.findIds({ orderBy: { views: 'desc' }, limit: 3 });
    const bumped = await Post.get(top[2]);
    bumped.views = 10_000;
    await bumped.save();
    expect(await Post.findIds({ orderBy: { views: 'desc' }, limit: 3 })).toEqual([top[2], top[0], top[1]]);
    // a move (id change) is a delete plus an add
    post.slug = 'post-moved';
    await post.save();
    expect(await Post.findIds({ where: { tags: { has: 'special' } } })).toEqual(['post-moved', 'post-new']);
  });

  test('after the first build, each query after a save indexes only the changed objects', async () => {
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await seed(ws, 120);
    await Post.count({ where: { published: true } });
    const status = () => ws.indexes.status().find((s) => s.model === 'post')!;
    const built = status().counters;
    expect(built.builds).toBe(1);
    for (let i = 0; i < 3; i++) {
      const p = await Post.get(`post-00${i}`);
      p.views = 1000 + i;
      await p.save();
    }
    expect(await Post.findIds({ where: { views: { gte: 1000 } } })).toEqual(['post-000', 'post-001', 'post-002']);
    await ws.commit({ message: 'three' });
    expect(await Post.count({ where: { views: { gte: 1000 } } })).toBe(3);
    const after = status().counters;
    expect(after.builds).toBe(1);
    // the unique check of each save plus the query: rows indexed grow with the 3 changed objects, never with the 120
    expect(after.rowsIndexed - built.rowsIndexed).toBeLessThanOrEqual(3 * 3);
    expect(status().rows).toBe(120);
  });

  test('a run of staged saves (each checked for unique titles) indexes each changed object once, not the run so far again', async () => {
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await seed(ws, 100);
    await Post.count();
    const rows = () => ws.indexes.status().find((s) => s.model === 'post')!.counters.rowsIndexed;
    const before = rows();
    for (let i = 0; i < 50; i++) await new Post({ slug: `extra-${i}`, title: `Extra ${i}` }).save();
    expect(rows() - before).toBe(49); // the first save's check sees the head; each later one indexes the save before it
    expect(await Post.count({ where: { title: { startsWith: 'Extra' } } })).toBe(50);
    expect(rows() - before).toBe(50);
  });

  test('commits by another writer are seen once the workspace catches up', async () => {
    const backend = new MemoryBackend();
    const a = await Workspace.open(backend);
    a.register(Author, Post);
    await seed(a, 20);
    expect(await Post.count({ where: { author: 'ada' } })).toBeGreaterThanOrEqual(0);
    const b = await Workspace.open(backend);
    class Post2 extends Post {}
    void Post2;
    b.register(Author, Post);
    await new Post({ slug: 'post-b', author: 'ada' }).save();
    await b.commit({ message: 'from b' });
    a.register(Author, Post);
    const adas = await Post.findIds({ where: { author: 'ada' } });
    expect(adas).not.toContain('post-b');
    await a.discard();
    expect(await Post.findIds({ where: { author: 'ada' } })).toContain('post-b');
  });
});

describe('index files', () => {
  async function filesOf(gitdir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, name.name);
        if (name.isDirectory()) walk(path);
        else out.push(path);
      }
    };
    if (existsSync(join(gitdir, 'gitmodel'))) walk(join(gitdir, 'gitmodel'));
    return out.filter((p) => p.endsWith('.gmix'));
  }

  test('written under the git directory, outside tree, refs and index; loaded by a new workspace; corrupt, deleted or misnamed files rebuilt silently', async () => {
    const { gitdir, ws } = await openWith(Author, Post);
    await seed(ws, 40);
    // saves index as they go (the unique check); start from one file, of the head's tree
    await ws.indexes.rebuild();
    const want = await Post.findIds({ where: { published: true }, orderBy: { views: 'desc' } });
    const [file, ...more] = await filesOf(gitdir);
    expect(more).toEqual([]);
    expect(file).toMatch(/gitmodel\/index\/v\d+\/post\/[0-9a-f]{40}\/[0-9a-f]{40}\.gmix$/);
    expect(git(gitdir, 'ls-tree', '-r', '--name-only', 'HEAD')).not.toMatch(/gmix|gitmodel/);
    expect(git(gitdir, 'for-each-ref')).not.toMatch(/gitmodel/);
    expectFsckClean(gitdir);

    const reopen = async () => {
      const next = await Workspace.open(gitdir);
      next.register(Author, Post);
      const ids = await Post.findIds({ where: { published: true }, orderBy: { views: 'desc' } });
      return { ids, counters: next.indexes.status().find((s) => s.model === 'post')!.counters, source: next.indexes.status().find((s) => s.model === 'post')!.source };
    };
    const loaded = await reopen();
    expect(loaded).toMatchObject({ ids: want, source: 'snapshot', counters: { loads: 1, builds: 0, objectsRead: 0 } });

    const bytes = readFileSync(file);
    bytes[bytes.length - 60] ^= 1;
    writeFileSync(file, bytes);
    const corrupt = await reopen();
    expect(corrupt).toMatchObject({ ids: want, source: 'built', counters: { discarded: 1, builds: 1 } });

    writeFileSync(file, 'GMIX 1\nnot an index');
    expect((await reopen()).counters).toMatchObject({ discarded: 1, builds: 1 });

    // a file of another tree under this tree's name is not used
    ws.register(Author, Post);
    const p = await Post.get('post-000');
    p.views = 99;
    await p.save();
    await ws.commit({ message: 'another tree' });
    const old = readFileSync(file);
    await ws.indexes.rebuild();
    await Post.count();
    const [newer] = await filesOf(gitdir);
    expect(newer).not.toBe(file);
    writeFileSync(newer, old);
    const misnamed = await reopen();
    expect(misnamed.counters).toMatchObject({ discarded: 1, builds: 1 });
    expect(misnamed.ids).toEqual(await Post.findIds({ where: { published: true }, orderBy: { views: 'desc' } }));
  });

  test('a new process starts from the last file and catches up by a diff, reading only the changed objects', async () => {
    const { gitdir, ws } = await openWith(Author, Post);
    await seed(ws, 60);
    await ws.indexes.rebuild();
    await Post.count();
    const p = await Post.get('post-010');
    p.published = !p.published;
    await p.save();
    await ws.commit({ message: 'one change' });
    const next = await Workspace.open(gitdir);
    next.register(Author, Post);
    expect(await Post.count({ where: { published: p.published, slug: 'post-010' } as Where<Post> })).toBe(1);
    expect(next.indexes.status().find((s) => s.model === 'post')!.counters).toMatchObject({ loads: 1, builds: 0, rowsIndexed: 1 });
  });

  test('ws.indexes.rebuild() drops the files; the next query builds again', async () => {
    const { gitdir, ws } = await openWith(Author, Post);
    await seed(ws, 10);
    const builds = () => ws.indexes.status().find((s) => s.model === 'post')!.counters.builds;
    const before = builds();
    await ws.indexes.rebuild(Post);
    expect(await Post.count()).toBe(10);
    expect(builds()).toBe(before + 1);
    expect(await filesOf(gitdir)).toHaveLength(1);
    await ws.indexes.rebuild(Post);
    expect(await filesOf(gitdir)).toHaveLength(0);
    expect(await Post.count({ where: { published: true } })).toBe((await Post.all()).filter((p) => p.published).length);
    expect(builds()).toBe(before + 2);
  });
});

describe('refuseScans', () => {
  test('a query no index answers is an UnindexedQueryError naming the fields; indexed ones run', async () => {
    const ws = await Workspace.open(new MemoryBackend(), { refuseScans: true });
    ws.register(Author, Post);
    await seed(ws, 10);
    const error = (await rejected(Post.findIds({ where: { published: true, rank: 1 } }))) as UnindexedQueryError;
    expect(error).toBeInstanceOf(UnindexedQueryError);
    expect(error.code).toBe('UNINDEXED_QUERY');
    expect(error.data).toEqual({ model: 'post', fields: ['rank'] });
    expect(await rejected(Post.findIds({ orderBy: { rank: 'asc' } }))).toBeInstanceOf(UnindexedQueryError);
    expect(await Post.count({ where: { published: true } })).toBeGreaterThan(0);
  });
});

describe('unique constraints', () => {
  test('at save: a clash throws UniqueConstraintError and stages nothing; own value and id moves are fine', async () => {
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await new Post({ slug: 'a', title: 'Hello' }).save();
    await ws.commit({ message: 'a' });
    const tree = ws.hasChanges();
    const error = (await rejected(new Post({ slug: 'b', title: 'Hello' }).save())) as UniqueConstraintError;
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error.code).toBe('UNIQUE');
    expect(error.data).toEqual({ model: 'post', field: 'title', value: 'Hello', id: 'b', existing: 'a' });
    expect(ws.hasChanges()).toBe(tree);
    expect(await Post.exists('b')).toBe(false);
    const a = await Post.get('a');
    a.views = 3;
    await a.save();
    a.slug = 'a2';
    await a.save();
    // nulls are not checked
    await new Post({ slug: 'c' }).save();
    await new Post({ slug: 'd' }).save();
    expect(await Post.findIds({ where: { title: 'Hello' } })).toEqual(['a2']);
  });

  test('two workspaces on one repository: the second commit of the same value loses with its changes still staged', async () => {
    const gitdir = newRepoPath();
    const one = await Workspace.open(gitdir);
    const two = await Workspace.open(gitdir);
    one.register(Author, Post);
    await new Post({ slug: 'x', title: 'Same' }).save();
    two.register(Author, Post);
    await new Post({ slug: 'y', title: 'Same' }).save();
    one.register(Author, Post);
    const winner = await one.commit({ message: 'x' });
    two.register(Author, Post);
    const error = (await rejected(two.commit({ message: 'y' }))) as UniqueConstraintError;
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error.data).toMatchObject({ field: 'title', id: 'y', existing: 'x', commit: winner });
    expect(two.hasChanges()).toBe(true);
    expect(git(gitdir, 'rev-parse', 'main').trim()).toBe(winner);
    expect(await Post.exists('y')).toBe(true);
    // repaired, it commits on top of the winner
    const y = await Post.get('y');
    y.title = 'Other';
    await y.save();
    expect(await two.commit({ message: 'y' })).not.toBeNull();
    expectFsckClean(gitdir);
  });

  test('duplicates made by others are listed by ws.indexes.check(), with dangling references', async () => {
    const { gitdir, ws } = await openWith(Author, Post);
    await new Author({ slug: 'ada' }).save();
    await new Post({ slug: 'a', title: 'Dup', author: 'ada' }).save();
    await new Post({ slug: 'b', title: 'Other', author: 'zed' }).save();
    await ws.commit({ message: 'two' });
    // another tool writes a duplicate title
    class Loose extends Model {
      @Field({ id: true }) slug!: string;
      @Field({ type: String, nullable: true }) title: string | null = null;
    }
    await writtenByAnotherTool(gitdir, ws, Loose, { slug: 'c', title: 'Dup' });
    const problems = await ws.indexes.check();
    expect(problems).toEqual([
      { kind: 'duplicate', model: 'post', field: 'title', value: 'Dup', ids: ['a', 'c'] },
      { kind: 'dangling', model: 'post', field: 'author', id: 'b', target: 'author', missing: 'zed' },
    ]);
    // queries still work; findOne on the unique field gives the first by id
    expect((await Post.findOne({ where: { title: 'Dup' } }))?.slug).toBe('a');
  });
});

describe('corrupt data files', () => {
  test('a query throws the CorruptObjectError Model.all() throws (no silently missing row); ws.indexes.check() lists it', async () => {
    const { gitdir, ws } = await openWith(Author, Post);
    await new Post({ slug: 'good', views: 1 }).save();
    await ws.commit({ message: 'good' });
    // another tool writes a file whose views is not a number
    class Loose extends Model {
      @Field({ id: true }) slug!: string;
      @Field() views: string = '';
    }
    await writtenByAnotherTool(gitdir, ws, Loose, { slug: 'bad', views: 'many' });
    const fromAll = (await rejected(Post.all().toArray())) as CorruptObjectError;
    const fromFind = (await rejected(Post.findIds({ where: { views: 1 } }))) as CorruptObjectError;
    expect(fromFind).toBeInstanceOf(CorruptObjectError);
    expect(fromFind.data.path).toBe(fromAll.data.path);
    expect(await ws.indexes.check()).toEqual([{ kind: 'corrupt', model: 'post', path: 'post/bad/data.json', reason: fromFind.data.reason }]);
  });
});

describe('relations', () => {
  test('include loads each referenced object once per query; reverse lookups go through the ref index', async () => {
    const ws = await Workspace.open(new MemoryBackend());
    ws.register(Author, Post);
    await seed(ws, 60);
    const ada = await Author.get('ada');
    const pages = await Post.find({ where: { author: ada }, include: { author: true } });
    expect(pages.map((p) => p.slug)).toEqual((await Post.all()).filter((p) => p.author?.id === 'ada').map((p) => p.slug));
    const loaded = await Promise.all(pages.map((p) => p.author!.load()));
    expect(new Set(loaded).size).toBe(1);
    expect(loaded[0]).toEqual(ada);
    expect(await Post.count({ where: { author: Ref.to(ada) } })).toBe(pages.length);
    const authorIndex = () => ws.indexes.status().find((s) => s.model === 'author');
    expect(authorIndex()).toBeUndefined(); // no index beyond the id: nothing to report
  });
});

describe('unique constraints across processes', () => {
  const workers = useWorkers();

  test('three processes claiming the same 24 emails: each email committed exactly once, losers refused with UniqueConstraintError', async () => {
    const path = newRepoPath();
    await Workspace.open(path);
    git(path, 'update-ref', 'refs/heads/main', git(path, 'commit-tree', git(path, 'mktree').trim(), '-m', 'root').trim(), '');
    const runs = await Promise.all(['w0', 'w1', 'w2'].map((name) => finished(workers.start('unique-writer', [path, name, '24']))));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const won = runs.flatMap((r) => r.lines.filter((l) => l.startsWith('won ')).map((l) => l.split(' ')[1]));
    expect(won.sort()).toEqual(Array.from({ length: 24 }, (_, k) => `user-${k}@example.com`).sort());
    const stats = runs.map((r) => JSON.parse(r.lines.find((l) => l.startsWith('stats '))!.slice(6)));
    expect(stats.reduce((n, s) => n + s.refusedAtSave + s.refusedAtCommit, 0)).toBe(48);
    // what the git CLI sees: 24 accounts, no email twice
    const emails = git(path, 'ls-tree', '-r', '--name-only', 'main')
      .trim()
      .split('\n')
      .map((file) => JSON.parse(git(path, 'show', `main:${file}`)).email);
    expect(emails).toHaveLength(24);
    expect(new Set(emails).size).toBe(24);
    expectFsckClean(path);
  }, 120_000);
});
