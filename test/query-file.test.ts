// Index files in the binary column format (lib/query/file.ts) and upkeep over a large flat folder:
// a file flipped anywhere, truncated, deleted or written for another index definition is rebuilt
// without a word and the answers stay those of the objects; the same tree gives the same bytes;
// a commit to a folder of hundreds of objects is indexed from a raw diff (no parse of the folder),
// rows indexed proportional to the change. Counters, never time.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Field, type IndexStatus, Model, Workspace } from '../lib/index.js';
import { treeWork } from '../lib/git/tree.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import type { Platform } from '../lib/platform/platform.js';
import { expectFsckClean, openWith } from './helpers.js';

@Model({ name: 'note' })
class Note extends Model<Note> {
  @Field({ id: true }) slug!: string;
  @Field({ index: true }) done: boolean = false;
  @Field({ type: [String], index: true }) tags: string[] = [];
  @Field({ index: true, type: Date, nullable: true }) due: Date | null = null;
  @Field({ index: true, type: BigInt }) big: bigint = 0n;
  @Field({ unique: true, type: String, nullable: true }) title: string | null = null;
  @Field() body: string = '';
}

/** The same model with one index fewer: another definition, so other index files. */
@Model({ name: 'note' })
class NoteFewer extends Model<NoteFewer> {
  @Field({ id: true }) slug!: string;
  @Field({ index: true }) done: boolean = false;
  @Field({ type: [String] }) tags: string[] = [];
  @Field({ type: Date, nullable: true }) due: Date | null = null;
  @Field({ type: BigInt }) big: bigint = 0n;
  @Field({ type: String, nullable: true }) title: string | null = null;
  @Field() body: string = '';
}

const N = 300;

async function seed(ws: Workspace): Promise<void> {
  for (let i = 0; i < N; i++) {
    await new Note({
      slug: `note-${String(i).padStart(4, '0')}${i % 50 === 7 ? '-é' : ''}`,
      done: i % 3 === 0,
      tags: ['a', 'b', 'c', 'd'].filter((_, k) => (i >> k) & 1),
      due: i % 10 === 0 ? null : new Date(Date.UTC(2026, 0, 1 + (i % 40))),
      big: BigInt(i % 7) * 10n ** 18n,
      title: i % 4 === 0 ? null : `Note ${i}`,
      body: 'x'.repeat(i % 13),
    }).save();
  }
  await ws.commit({ message: 'seed' });
}

function filesOf(gitdir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.gmix')) out.push(join(dir, e.name));
    }
  };
  walk(join(gitdir, 'gitmodel'));
  return out.sort();
}

/** Answers that read every column and the ids, each checked against a filter over Note.all(). */
async function answers(): Promise<unknown> {
  const all = await Note.all();
  const byDue = await Note.findIds({ where: { done: false, tags: { has: 'b' } }, orderBy: { due: 'desc' }, limit: 15 });
  const expected = all
    .filter((n) => !n.done && n.tags.includes('b'))
    .sort((a, b) => (b.due?.getTime() ?? -Infinity) - (a.due?.getTime() ?? -Infinity) || (a.slug < b.slug ? -1 : 1))
    .slice(0, 15)
    .map((n) => n.slug);
  expect(byDue).toEqual(expected);
  const big = await Note.findIds({ where: { big: { gte: 3n * 10n ** 18n }, title: { startsWith: 'Note 1' } } });
  expect(big).toEqual(all.filter((n) => n.big >= 3n * 10n ** 18n && n.title?.startsWith('Note 1')).map((n) => n.slug));
  const accented = await Note.findIds({ where: { slug: { endsWith: '-é' } } });
  expect(accented).toEqual(all.filter((n) => n.slug.endsWith('-é')).map((n) => n.slug));
  return { byDue, big, accented, count: await Note.count({ where: { due: null } }) };
}

describe('binary index files', () => {
  test('GMIX 3 blocks; byte-identical for the same tree; flipped, truncated, deleted or of another definition: rebuilt silently', async () => {
    const { gitdir, ws } = await openWith(Note);
    await seed(ws);
    await ws.indexes.rebuild();
    const want = await answers();
    const [file, ...more] = filesOf(gitdir);
    expect(more).toEqual([]);
    const good = readFileSync(file);
    expect(good.subarray(0, 4).toString('latin1')).toBe('GMIX');
    expect(good.readUInt32LE(4)).toBe(3);
    expectFsckClean(gitdir);

    // a rebuild of the same tree writes the same bytes
    await ws.indexes.rebuild();
    await Note.count();
    expect(readFileSync(file).equals(good)).toBe(true);

    const reopen = async () => {
      const next = await Workspace.open(gitdir);
      next.register(Note);
      const got = await answers();
      const status = next.indexes.status().find((s) => s.model === 'note')!;
      return { got, counters: status.counters, source: status.source };
    };
    expect(await reopen()).toMatchObject({ got: want, source: 'snapshot', counters: { loads: 1, builds: 0, discarded: 0 } });

    // the folder (300 entries, past INDEX_ABOVE bytes) has its entry-offset table in the file
    const header = JSON.parse(good.subarray(16, 16 + good.readUInt32LE(8)).toString()) as { ascii: boolean; blocks: { name: string; offset: number; length: number }[] };
    const table = header.blocks.find((b) => b.name === 'folder.starts')!;
    expect(table.length).toBe((N + 1) * 4);
    expect(header.ascii).toBe(false); // the '-é' ids

    // a flipped bit in the prelude, the header, a block, the folder's table, the padding, the last byte
    for (const at of [5, 20, Math.floor(good.length / 3), table.offset + 5, Math.floor(good.length / 2) + 1, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      writeFileSync(file, bad);
      const r = await reopen();
      expect(r, `flipped byte ${at}`).toMatchObject({ got: want, source: 'built', counters: { discarded: 1, builds: 1, loads: 0 } });
      // the rebuild wrote the good file back
      expect(readFileSync(file).equals(good)).toBe(true);
    }
    for (const length of [good.length - 1, good.length - 100, 10, 0]) {
      writeFileSync(file, good.subarray(0, length));
      expect(await reopen(), `truncated to ${length}`).toMatchObject({ got: want, counters: { discarded: 1, builds: 1 } });
    }
    writeFileSync(file, Buffer.concat([good, Buffer.alloc(8)]));
    expect((await reopen()).counters).toMatchObject({ discarded: 1, builds: 1 });

    rmSync(file);
    expect(await reopen()).toMatchObject({ got: want, counters: { discarded: 0, builds: 1 } });

    // a file of the same tree for another definition, put under this definition's name
    const other = await Workspace.open(gitdir);
    other.register(NoteFewer);
    await other.indexes.rebuild(NoteFewer);
    expect(await NoteFewer.count({ where: { done: true } })).toBe(100);
    const foreign = filesOf(gitdir).find((f) => f !== file)!;
    expect(foreign.split('/').at(-1)).toBe(file.split('/').at(-1));
    writeFileSync(file, readFileSync(foreign));
    expect(await reopen()).toMatchObject({ got: want, counters: { discarded: 1, builds: 1 } });
  });
});

describe('a build on two threads', () => {
  test("data files of 256 bytes or more are inflated on the platform's worker; the same answers and the same file as a build on one thread (a browser)", async () => {
    const { gitdir, ws } = await openWith(Note);
    await seed(ws);
    // longer bodies: every data file past the size the worker takes
    for (const note of await Note.all()) {
      note.body = `${note.slug} `.repeat(30);
      await note.save();
    }
    await ws.commit({ message: 'long bodies' });
    let streams = 0;
    const counting: Platform = { ...nodePlatform, inflateMany: (d, starts, sizes) => ((streams += sizes.length), nodePlatform.inflateMany!(d, starts, sizes)) };
    const build = async (p: Platform) => {
      rmSync(join(gitdir, 'gitmodel'), { recursive: true, force: true });
      installPlatform(p);
      try {
        const cold = await Workspace.open(gitdir);
        cold.register(Note);
        const before = streams;
        expect(await Note.count()).toBe(N);
        expect(cold.indexes.status().find((s) => s.model === 'note')!.counters).toMatchObject({ builds: 1, objectsRead: N });
        const built = streams - before;
        return { built, got: await answers(), file: readFileSync(filesOf(gitdir)[0]) };
      } finally {
        installPlatform(nodePlatform);
      }
    };
    const two = await build(counting);
    // each data file once
    expect(two.built).toBe(N);
    const one = await build({ ...nodePlatform, inflateMany: undefined });
    expect(one.built).toBe(0);
    expect(two.got).toEqual(one.got);
    expect(two.file.equals(one.file)).toBe(true);
  });
});

describe('index files of old trees', () => {
  test('`latest` names the 4 trees written last; files of other trees are removed when a file is written', async () => {
    const { gitdir, ws } = await openWith(Note);
    await seed(ws);
    await ws.indexes.rebuild();
    await Note.count();
    const folder = dirname(filesOf(gitdir)[0]);
    const latest = () => readFileSync(join(folder, 'latest'), 'utf8').trim().split('\n');
    const fresh = async () => {
      const next = await Workspace.open(gitdir);
      next.register(Note);
      expect(await Note.count({ where: { done: true } })).toBe(100);
      return next.indexes.status().find((s) => s.model === 'note')!;
    };
    const written: string[] = [];
    for (let i = 0; i < 6; i++) {
      ws.register(Note);
      const note = await Note.get('note-0003');
      note.body = `version ${i}`;
      await note.save();
      await ws.commit({ message: `v${i}` });
      // no file to start from: a new process builds and writes one
      for (const file of filesOf(gitdir)) rmSync(file);
      const status = await fresh();
      expect(status.counters).toMatchObject({ builds: 1, writes: 1 });
      written.push(status.tree!);
    }
    expect(latest()).toEqual(written.slice(-4).reverse());
    // files of every tree written, and of one never written, none of which loads
    for (const tree of [...written, 'a'.repeat(40)]) writeFileSync(join(folder, `${tree}.gmix`), 'GMIX not a file');
    ws.register(Note);
    const note = await Note.get('note-0003');
    note.body = 'last';
    await note.save();
    await ws.commit({ message: 'last' });
    const status = await fresh();
    // the four listed were tried newest first and discarded; the build's write removed the rest
    expect(status.counters).toMatchObject({ discarded: 4, builds: 1, writes: 1 });
    expect(filesOf(gitdir)).toEqual([join(folder, `${status.tree}.gmix`)]);
    expect(latest()).toEqual([status.tree, ...written.slice(-3).reverse()]);
    // a file named in `latest` that loads is where the next process starts
    const again = await fresh();
    expect(again.counters).toMatchObject({ loads: 1, builds: 0 });
    expectFsckClean(gitdir);
  });
});

/** A seeded workspace whose index is built, and its counters. */
async function indexedSeed(): Promise<{ gitdir: string; ws: Workspace; counters: () => IndexStatus['counters'] }> {
  const { gitdir, ws } = await openWith(Note);
  await seed(ws);
  await Note.count();
  return { gitdir, ws, counters: () => ws.indexes.status().find((s) => s.model === 'note')!.counters };
}

describe('upkeep over a large flat folder', () => {
  test('a commit is indexed from a raw diff of the folder: rows indexed = objects changed, the folder never parsed', async () => {
    const { gitdir, ws, counters } = await indexedSeed();
    for (const changed of [1, 5]) {
      const before = counters();
      const parsed = treeWork.entriesParsed;
      for (let k = 0; k < changed; k++) {
        const note = await Note.get(`note-${String(11 * k + 1).padStart(4, '0')}`);
        note.done = !note.done;
        note.title = `changed ${changed} ${k}`;
        await note.save();
      }
      await new Note({ slug: `added-${changed}`, done: true }).save();
      await Note.delete(`note-${String(200 + changed).padStart(4, '0')}`);
      await ws.commit({ message: `${changed} changed` });
      await answers();
      const after = counters();
      // each save's unique check indexes that save; the query after the commit then has nothing new
      expect(after.rowsIndexed - before.rowsIndexed).toBe(changed + 1);
      expect(after.builds).toBe(before.builds);
      // the 300-entry folder is diffed on its bytes: what is parsed is the changed objects' own small trees
      expect(treeWork.entriesParsed - parsed).toBeLessThan(N / 2);
    }
    // a new process starts from the file and catches up by a diff too
    await ws.indexes.rebuild();
    await Note.count();
    const note = await Note.get('note-0002');
    note.tags = ['z'];
    await note.save();
    await ws.commit({ message: 'after the file' });
    const next = await Workspace.open(gitdir);
    next.register(Note);
    const parsed = treeWork.entriesParsed;
    const tables = treeWork.tablesBuilt;
    expect(await Note.findIds({ where: { tags: { has: 'z' } } })).toEqual(['note-0002']);
    expect(next.indexes.status().find((s) => s.model === 'note')!.counters).toMatchObject({ loads: 1, builds: 0, rowsIndexed: 1 });
    expect(treeWork.entriesParsed - parsed).toBeLessThan(N / 2);
    // the file's tree came with its entry-offset table: no pass over the folder's entries either
    expect(treeWork.tablesBuilt - tables).toBe(0);
    expectFsckClean(gitdir);
  });
});

describe('upkeep after own commits', () => {
  test('own saves and commits reuse the staged change list (no folder diffed); a commit by another writer is diffed once', async () => {
    const { gitdir, ws, counters } = await indexedSeed();
    for (const changed of [1, 4]) {
      const before = counters();
      const work = { ...treeWork };
      for (let k = 0; k < changed; k++) {
        const note = await Note.get(`note-${String(13 * k + 2).padStart(4, '0')}`);
        note.tags = [...note.tags, `own-${changed}`];
        note.title = `own ${changed} ${k}`;
        await note.save();
      }
      await Note.delete(`note-${String(250 + changed).padStart(4, '0')}`);
      await ws.commit({ message: `${changed} changed` });
      expect(await Note.count({ where: { tags: { has: `own-${changed}` } } })).toBe(changed);
      // the unique checks (each save's, the commit's) and the query: rows = objects changed, the
      // 300-entry folder neither compared byte by byte, nor tabled, nor parsed
      expect(counters().rowsIndexed - before.rowsIndexed).toBe(changed);
      expect(treeWork.rawDiffs - work.rawDiffs).toBe(0);
      expect(treeWork.tablesBuilt - work.tablesBuilt).toBe(0);
      expect(treeWork.entriesParsed - work.entriesParsed).toBeLessThan(N / 2);
      await answers();
    }

    // another writer moves the branch: this workspace's next commit catches up and the index
    // follows that by a diff of the folder (its own change list does not cover the other's commit)
    const other = await Workspace.open(gitdir);
    other.register(Note);
    const theirs = await Note.get('note-0100');
    theirs.tags = ['theirs'];
    await theirs.save();
    await other.commit({ message: 'theirs' });
    ws.register(Note);
    const mine = await Note.get('note-0101');
    mine.tags = ['mine'];
    await mine.save();
    const before = counters();
    const work = { ...treeWork };
    await ws.commit({ message: 'mine, on theirs' });
    expect(await Note.findIds({ where: { tags: { hasSome: ['theirs', 'mine'] } } })).toEqual(['note-0100', 'note-0101']);
    expect(treeWork.rawDiffs - work.rawDiffs).toBeGreaterThanOrEqual(1);
    expect(counters().rowsIndexed - before.rowsIndexed).toBeLessThanOrEqual(2);
    await answers();
    expectFsckClean(gitdir);
  });
});

@Model({ name: 'card', shard: 1 })
class Card extends Model<Card> {
  @Field({ id: true }) slug!: string;
  @Field({ index: true }) done: boolean = false;
}

describe('upkeep after own commits, sharded', () => {
  test('a shard of hundreds that staging patched is not parsed: its change list is reused below the model folder too', async () => {
    const { ws } = await openWith(Card);
    // ids of one shard: enough that staging keeps the shard's bytes and patches them
    const slugs = Array.from({ length: 1200 }, (_, i) => `card-${i}`).filter((slug) => createHash('sha1').update(slug).digest('hex').startsWith('0'));
    expect(slugs.length).toBeGreaterThan(64);
    for (const slug of slugs) await new Card({ slug }).save();
    await new Card({ slug: 'elsewhere' }).save();
    await ws.commit({ message: 'cards' });
    expect(await Card.count({ where: { done: true } })).toBe(0);
    for (const round of [1, 2]) {
      const parsed = treeWork.entriesParsed;
      const card = await Card.get(slugs[round * 7]);
      card.done = true;
      await card.save();
      await ws.commit({ message: `round ${round}` });
      expect(await Card.findIds({ where: { done: true } })).toEqual([slugs[7], ...(round === 2 ? [slugs[14]] : [])].sort());
      // the 16-entry model folder and the changed object's own folders, not the shard's ~75 entries twice
      expect(treeWork.entriesParsed - parsed).toBeLessThan(40);
    }
  });
});
