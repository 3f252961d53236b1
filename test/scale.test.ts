// The cost of a read must not grow with how many other objects exist (issue 11). Nothing here is
// timed: the tests count the work done (Map iterators made, tree entries compared and parsed,
// bytes held) through the counters the engine keeps.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, Field, GitDirBackend, MemoryBackend, Model, nodeFileSystem, NotFoundError, Workspace } from '../lib/index.js';
import type { FileSystem } from '../lib/git/ports.js';
import { serializeCommit } from '../lib/git/commit.js';
import { hashObject, type PendingObject } from '../lib/git/object.js';
import { findEntry, scanForEntry, TreeOffsets } from '../lib/git/tree-entry.js';
import { parseTree, serializeTree, type TreeEntry, treeWork } from '../lib/git/tree.js';
import { Lru } from '../lib/util/lru.js';
import { expectFsckClean, git, gitWith, newRepoPath } from './helpers.js';

function pendingObject(type: PendingObject['type'], content: Uint8Array): PendingObject {
  return { type, oid: hashObject(type, content), content };
}

const person = { name: 'T', email: 't@example.com', timestamp: 1_700_000_000, tzOffset: 0 };

describe('Lru', () => {
  const iterators = ['keys', 'values', 'entries', Symbol.iterator] as const;
  const saved = iterators.map((name) => Map.prototype[name as 'keys']);
  afterEach(() => iterators.forEach((name, i) => ((Map.prototype as unknown as Record<PropertyKey, unknown>)[name] = saved[i])));

  it('evicts the least recently used entry, a hit counting as a use', () => {
    const lru = new Lru<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1); // b is now the oldest
    lru.set('d', 4);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
    lru.set('c', 30); // a replacement is a use too
    lru.set('e', 5);
    expect(lru.get('a')).toBeUndefined();
    expect([lru.get('c'), lru.get('d'), lru.get('e'), lru.size]).toEqual([30, 4, 5, 3]);
  });

  it('evicts without iterating: 100,000 evictions after 100,000 moved hits make no Map iterator', () => {
    // a fresh Map iterator skips every slot deleted at the front of the table: evicting through
    // one made eviction cost grow with the deletes before it
    let made = 0;
    for (const [i, name] of iterators.entries()) {
      (Map.prototype as unknown as Record<PropertyKey, unknown>)[name] = function (this: Map<unknown, unknown>) {
        made++;
        return (saved[i] as () => unknown).call(this);
      };
    }
    const lru = new Lru<number, number>(20_000);
    for (let i = 0; i < 20_000; i++) lru.set(i, i);
    for (let round = 0; round < 5; round++) for (let i = 0; i < 20_000; i++) lru.get((i * 7919) % 20_000);
    for (let i = 20_000; i < 120_000; i++) lru.set(i, i);
    expect(made).toBe(0);
    expect(lru.size).toBe(20_000);
    expect(lru.get(119_999)).toBe(119_999);
    expect(lru.get(99_999)).toBeUndefined();
  });

  it('bounded by bytes, never holds more than its budget (but for one entry heavier than all of it)', () => {
    const lru = new Lru<number, Uint8Array>(10_000, (bytes) => bytes.length);
    let seed = 7;
    for (let i = 0; i < 5_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      lru.set(seed % 3_000, new Uint8Array(seed % 997), i % 5 === 0 ? (seed % 997) + 50 : undefined);
      if (i % 3 === 0) lru.get((seed >> 3) % 3_000);
      expect(lru.weight).toBeLessThanOrEqual(10_000);
    }
    lru.set(-1, new Uint8Array(20_000));
    expect([lru.size, lru.weight]).toEqual([1, 20_000]);
    lru.resize(100);
    lru.set(-2, new Uint8Array(10));
    expect([lru.size, lru.weight, lru.capacity]).toEqual([1, 10, 100]);
  });
});

/** scanForEntry over `raw` cut into pieces of `size` bytes, an entry cut off carried into the next piece. */
function scanInPieces(raw: Uint8Array, name: string, size: number): TreeEntry | undefined {
  let carry = new Uint8Array(0);
  for (let at = 0; at < raw.length; at += size) {
    const piece = raw.subarray(at, at + size);
    const bytes = new Uint8Array(carry.length + piece.length);
    bytes.set(carry);
    bytes.set(piece, carry.length);
    const scan = scanForEntry(bytes, name);
    if (scan.done) return scan.found;
    carry = bytes.slice(scan.consumed);
  }
  expect(carry.length).toBe(0);
  return undefined;
}

/** 100,000 names that sort in tricky ways (`a`, `a-b`, `a.b`, folder `a/`…), with files and folders. */
function bigTree(): { raw: Uint8Array; entries: Map<string, TreeEntry> } {
  const blob = pendingObject('blob', new TextEncoder().encode('x\n'));
  const entries = new Map<string, TreeEntry>();
  for (let i = 0; i < 100_000; i++) {
    const name = `n-${String(i).padStart(6, '0')}`;
    entries.set(name, { mode: i % 3 === 0 ? '40000' : '100644', oid: blob.oid });
  }
  for (const name of ['a', 'a-b', 'a.b', 'a0', 'b', 'b-c', 'b.c']) entries.set(name, { mode: '100644', oid: blob.oid });
  for (const name of ['a.', 'b', 'c']) entries.set(name === 'b' ? 'b-' : name, { mode: '40000', oid: blob.oid });
  entries.set('ab', { mode: '40000', oid: blob.oid });
  return { raw: serializeTree(entries), entries };
}

describe('large folders', () => {
  it('a table of offsets finds every name with O(log n) comparisons, as a full parse would', () => {
    const { raw, entries } = bigTree();
    const offsets = new TreeOffsets(raw);
    expect(offsets.count).toBe(entries.size);
    const parsed = parseTree(raw);
    const names = [...parsed.keys()].filter((_, i) => i % 97 === 0).concat(['a', 'a-b', 'a.', 'a.b', 'ab', 'b', 'b-', 'b.c', 'c', 'n-099999']);
    for (const name of names) {
      const before = treeWork.entriesCompared;
      expect(offsets.find(name), name).toEqual(parsed.get(name));
      // two binary searches (as a file, then as a folder) over 100,011 entries: 17 steps each
      expect(treeWork.entriesCompared - before).toBeLessThanOrEqual(2 * 17);
      // a one-shot scan finds the same, whole or 64 KiB at a time (as the pack reader scans stored blocks)
      expect(findEntry(raw, name), name).toEqual(parsed.get(name));
    }
    for (const name of ['n-000000', 'n-031337', 'n-099999', 'a', 'a.', 'ab', 'b-']) expect(scanInPieces(raw, name, 64 << 10), name).toEqual(parsed.get(name));
    // cut at every size up to a few entries: a folder `a` sorts after `a-b` and `a.b`, so a piece
    // ending between them settles nothing
    const head = serializeTree(new Map([...entries].filter(([name]) => !name.startsWith('n-') || name < 'n-000004')));
    const headParsed = parseTree(head);
    for (const name of [...headParsed.keys(), 'a/', 'aa', 'a-', 'b-d', 'n-1', 'zzz']) {
      for (let size = 1; size <= 160; size++) expect(scanInPieces(head, name, size), `${name} in pieces of ${size}`).toEqual(headParsed.get(name));
    }
    // a small tree is searched by comparing char codes (an ASCII name) or by the scan: the same answers
    for (const name of [...headParsed.keys(), 'a/', 'aa', 'a-', 'b-d', 'n-1', 'zzz', '', 'é', 'a\u0000']) expect(findEntry(head, name), name).toEqual(headParsed.get(name));
    expect(() => findEntry(head.subarray(0, head.length - 3), 'zzz')).toThrow(/truncated/);
    for (const name of ['', 'a/', 'aa', 'n-1', 'n-100000', 'zzz', '0']) {
      expect(offsets.find(name), name).toBeUndefined();
      expect(findEntry(raw, name), name).toBeUndefined();
    }
    expect(scanInPieces(raw, 'n-1', 64 << 10)).toBeUndefined();
  });

  it('a patch through the table gives the bytes a full re-encode gives, and a table for the next one', () => {
    const { raw, entries } = bigTree();
    const blob = (n: number) => hashObject('blob', new TextEncoder().encode(`v${n}\n`));
    const rounds: [string, TreeEntry | null][][] = [
      [['n-000000', { mode: '100644', oid: blob(1) }], ['a', null], ['zz', { mode: '40000', oid: blob(2) }]],
      // a file becomes a folder and back; names that sort between `b` and `b/`; a new first entry
      [['b', { mode: '40000', oid: blob(3) }], ['b.', { mode: '100644', oid: blob(4) }], ['!', { mode: '100644', oid: blob(5) }]],
      [['b', { mode: '100644', oid: blob(6) }], ['n-050000', null], ['n-050001', null], ['n-099999', { mode: '100755', oid: blob(7) }]],
      [['ab', null], ['ab.c', { mode: '100644', oid: blob(8) }], ['a.', { mode: '100644', oid: blob(9) }], ['absent', null]],
    ];
    let table = new TreeOffsets(raw);
    const expected = new Map(entries);
    for (const changes of rounds) {
      const before = { ...treeWork };
      table = table.patch(new Map(changes));
      // each change is placed by binary search; nothing is parsed and no table is rebuilt
      expect(treeWork.entriesCompared - before.entriesCompared).toBeLessThanOrEqual(changes.length * 3 * 17);
      expect(treeWork.entriesParsed - before.entriesParsed).toBe(0);
      expect(treeWork.tablesBuilt - before.tablesBuilt).toBe(0);
      for (const [name, entry] of changes) {
        if (entry) expected.set(name, entry);
        else expected.delete(name);
      }
      // compared as buffers: a deep equality of 3.6 MB element by element takes minutes
      expect(Buffer.from(table.raw).equals(serializeTree(expected))).toBe(true);
      expect(table.count).toBe(expected.size);
      for (const [name] of changes) expect(table.find(name), name).toEqual(expected.get(name));
      expect(table.find('n-000001')).toEqual(expected.get('n-000001'));
    }
    // the kept offsets are the ones a fresh pass finds
    const fresh = new TreeOffsets(table.raw);
    for (const name of ['!', 'a.', 'b', 'b.', 'n-049999', 'n-050002', 'zz']) expect(table.find(name)).toEqual(fresh.find(name));
  });

  class Doc extends Model {
    @Field({ id: true }) key!: string;
    @Field() title!: string;
  }

  /**
   * A repository whose doc/ folder has 100,000 entries (made directly, not by 100,000 saves): one
   * real object, `n-077777`, the others pointing at its folder (never read by these tests).
   */
  async function hundredThousand(target: string | MemoryBackend): Promise<{ ws: Workspace; commit: string }> {
    const seed = await Workspace.open(target);
    seed.register(Doc);
    await new Doc({ key: 'n-077777', title: 'the one' }).save({ commit: true, message: 'one' });
    const root = parseTree((await seed.repo.readObject((await seed.repo.readCommit(seed.head!)).tree)).content);
    const folder = parseTree((await seed.repo.readObject(root.get('doc')!.oid)).content);
    const one = folder.get('n-077777')!;
    const entries = new Map<string, TreeEntry>();
    for (let i = 0; i < 100_000; i++) entries.set(`n-${String(i).padStart(6, '0')}`, one);
    const big = pendingObject('tree', serializeTree(entries));
    const top = pendingObject('tree', serializeTree(new Map([['doc', { mode: '40000', oid: big.oid }]])));
    const commit = pendingObject('commit', serializeCommit({ tree: top.oid, parents: [seed.head!], author: person, committer: person, message: 'big\n' }));
    await seed.repo.writeObjects([big, top, commit]);
    await seed.repo.refs.update('refs/heads/main', commit.oid, seed.head!);
    const ws = await Workspace.open(target);
    ws.register(Doc);
    return { ws, commit: commit.oid };
  }

  for (const where of ['memory', 'disk'] as const) {
    it(`a get in a folder of 100,000 objects compares ~17 names and never parses the folder (${where})`, async () => {
      const { commit } = await hundredThousand(where === 'memory' ? new MemoryBackend() : newRepoPath());
      const before = { ...treeWork };
      expect((await Doc.get('n-077777')).title).toBe('the one');
      for (let i = 0; i < 1_000; i++) expect(await Doc.exists(`n-${String(i * 97).padStart(6, '0')}`)).toBe(true);
      expect(await Doc.exists('n-100000')).toBe(false);
      // at a revision: the stored tree is searched the same way (a table built once, then kept)
      expect((await Doc.get('n-077777', { at: commit })).title).toBe('the one');
      for (let i = 0; i < 1_000; i++) expect(await Doc.exists(`n-${String(99_999 - i * 89).padStart(6, '0')}`, { at: commit })).toBe(true);
      expect(treeWork.entriesParsed - before.entriesParsed).toBeLessThan(100);
      expect(treeWork.tablesBuilt - before.tablesBuilt).toBe(2);
      expect(treeWork.entriesCompared - before.entriesCompared).toBeLessThanOrEqual(2_003 * 2 * 17);
    }, 60_000);
  }

  it('a commit in a folder of 100,000 patches its tree through the kept table: no parse of the bytes, no new table', async () => {
    const path = newRepoPath();
    await hundredThousand(path);
    const doc = await Doc.get('n-077777');
    doc.title = 'edited';
    await doc.save({ commit: true, message: 'first edit' }); // loads the folder's entries for the change
    const before = { ...treeWork };
    for (let i = 0; i < 3; i++) {
      doc.title = `edit ${i}`;
      await doc.save({ commit: true, message: `edit ${i}` });
      await new Doc({ key: `new-${i}`, title: 'new' }).save({ commit: true, message: `new ${i}` });
    }
    expect(treeWork.tablesBuilt - before.tablesBuilt).toBe(0);
    expect(treeWork.entriesParsed - before.entriesParsed).toBeLessThan(100);
    expect(git(path, 'show', 'main:doc/n-077777/data.json')).toContain('"edit 2"');
    expect(git(path, 'show', 'main:doc/new-2/data.json')).toContain('"new-2"');
    expect(git(path, 'show', 'main~6:doc/n-000001/data.json')).toContain('"the one"');
    expectFsckClean(path);
  }, 60_000);
});

describe('serializeTree', () => {
  it("writes git's order and bytes: subtrees sort as if their name ended in '/', names by their UTF-8 bytes", () => {
    const path = newRepoPath();
    git('.', 'init', '--bare', '-q', path);
    const blob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
    const names: [string, TreeEntry][] = [
      ['a.b', { mode: '100644', oid: blob }],
      ['a', { mode: '40000', oid: '4b825dc642cb6eb9a060e54bf8d69288fbee4904' }],
      ['a-b', { mode: '100755', oid: blob }],
      ['a0', { mode: '100644', oid: blob }],
      ['\u{1F600}', { mode: '100644', oid: blob }],
      ['\uFF21', { mode: '120000', oid: blob }],
      ['é', { mode: '100644', oid: blob }],
      ...Array.from({ length: 3_000 }, (_, i): [string, TreeEntry] => [`n-${(i * 7919) % 3_000}`, { mode: '100644', oid: blob }]),
    ];
    const bytes = serializeTree(names);
    const listing = names.map(([name, e]) => `${e.mode === '40000' ? '040000 tree' : `${e.mode} blob`} ${e.oid}\t${name}\n`).join('');
    expect(hashObject('tree', bytes)).toBe(gitWith(path, { input: listing }, 'mktree', '--missing').trim());
    expect([...parseTree(bytes).keys()].slice(0, 5)).toEqual(['a-b', 'a.b', 'a', 'a0', 'n-0']);
  });
});

describe('cacheSize', () => {
  class Item extends Model {
    @Field({ id: true }) key!: string;
    @Field() text!: string;
  }

  it('bounds the decoded data files kept by bytes: two thirds of it, whatever the number of objects', async () => {
    const ws = await Workspace.open(new MemoryBackend(), { cacheSize: 300_000 });
    ws.register(Item);
    expect(ws.decodedCache.capacity).toBe(200_000);
    for (let i = 0; i < 2_000; i++) {
      await new Item({ key: `i${i}`, text: 'x'.repeat(i % 500) }).save();
      expect(ws.decodedCache.weight).toBeLessThanOrEqual(200_000);
    }
    await ws.commit({ message: 'items' });
    for (let i = 0; i < 2_000; i += 7) {
      expect((await Item.get(`i${i}`)).text.length).toBe(i % 500);
      expect(ws.decodedCache.weight).toBeLessThanOrEqual(200_000);
    }
    expect(ws.decodedCache.size).toBeLessThan(2_000);
    const big = await Workspace.open(new MemoryBackend());
    expect(big.decodedCache.capacity).toBe(128 << 20);
  });

  it('is a number of bytes', async () => {
    for (const cacheSize of [-1, Number.NaN, Infinity, '64' as unknown as number]) {
      await expect(Workspace.open(new MemoryBackend(), { cacheSize })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});

describe('scans', () => {
  class Entry extends Model {
    @Field({ id: true }) key!: string;
    @Field() n!: number;
  }

  /** A file system that records the offset of every read of a pack file, in order. */
  function recording(): { fs: FileSystem; reads: number[] } {
    const reads: number[] = [];
    const fs: FileSystem = Object.create(nodeFileSystem);
    fs.open = async (path) => {
      const file = await nodeFileSystem.open(path);
      if (!file || !path.endsWith('.pack')) return file;
      return { read: (position, length) => (reads.push(position), file.read(position, length)), size: () => file.size(), close: () => file.close() };
    };
    return { fs, reads };
  }

  /** `count` entries committed at a new path (keys from `key`), and a second workspace reading them through recording(). */
  async function written(count: number, key: (i: number) => string): Promise<{ Entry2: typeof Entry; reads: number[] }> {
    const path = newRepoPath();
    const writer = await Workspace.open(path);
    writer.register(Entry);
    for (let i = 0; i < count; i++) await new Entry({ key: key(i), n: i }).save();
    await writer.commit({ message: 'entries' });
    const { fs, reads } = recording();
    const reader = await Workspace.open(new GitDirBackend(fs, { gitdir: path, commondir: path }));
    class Entry2 extends Entry {}
    Object.defineProperty(Entry2, 'name', { value: 'Entry' });
    reader.register(Entry2);
    return { Entry2, reads };
  }

  it('Model.all() reads the pack front to back in batches, not at random', async () => {
    // saved in an order unrelated to id order, so the pack's order is not the scan's
    const count = 3_000;
    const { Entry2, reads } = await written(count, (i) => `e${String((i * 1_237) % count).padStart(5, '0')}`);
    const keys: string[] = [];
    for await (const entry of Entry2.all()) keys.push(entry.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys.length).toBe(count);
    // a read before the previous one starts a new pass: per batch of 1,024 one for the folders and
    // one for the files, not one per object; and each pass reads the pack through a window of
    // large reads (ReadWindow), so the file is read a few times per batch, not twice per object
    const backwards = reads.filter((offset, i) => i > 0 && offset < reads[i - 1]).length;
    expect(backwards).toBeLessThanOrEqual(2 * Math.ceil(count / 1024) + 2);
    expect(reads.length).toBeLessThanOrEqual(2 * Math.ceil(count / 1024) + 6);
  }, 60_000);

  it('Model.all() hands batches over whole: iterated, stopped early, collected, all in id order', async () => {
    const { Entry2 } = await written(2_100, (i) => `e${String(i).padStart(5, '0')}`);
    const firstThree: string[] = [];
    for await (const entry of Entry2.all()) if (firstThree.push(entry.key) === 3) break;
    expect(firstThree).toEqual(['e00000', 'e00001', 'e00002']);
    const all = await Entry2.all();
    expect(all.map((entry) => entry.n)).toEqual(Array.from({ length: 2_100 }, (_, i) => i));
  }, 60_000);

  it('a small object in a pack costs one read of the file: its header and data at once', async () => {
    const count = 200;
    const { Entry2, reads } = await written(count, (i) => `e${i}`);
    for (let i = 0; i < count; i++) expect((await Entry2.get(`e${i}`)).n).toBe(i);
    // per get the object's folder and its data file (two reads each before); then a few for the
    // commit and the folders above
    expect(reads.length).toBeLessThanOrEqual(2 * count + 6);
  }, 60_000);
});

describe('warm reads', () => {
  class Card extends Model {
    @Field({ id: true }) key!: string;
    @Field() n!: number;
    @Field({ type: [String] }) tags: string[] = [];
  }

  /** Microtask turns until a promise settles: the awaits a read went through, counted, not timed. */
  async function turns(promise: Promise<unknown>): Promise<number> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    let count = 0;
    for (; !settled; count++) await null;
    return count;
  }

  it('a get of an object in memory settles in one turn, with its own copies; a cold one reads through the awaits', async () => {
    const backend = new MemoryBackend();
    const ws = await Workspace.open(backend);
    ws.register(Card);
    for (let i = 0; i < 50; i++) await new Card({ key: `c${i}`, n: i, tags: [`t${i}`] }).save();
    await ws.commit({ message: 'cards' });
    for (let i = 0; i < 50; i++) {
      const get = Card.get(`c${i}`);
      expect(await turns(get)).toBeLessThanOrEqual(1);
      const card = await get;
      expect([card.n, card.tags]).toEqual([i, [`t${i}`]]);
      card.tags.push('changed'); // a copy: the next get does not see it
    }
    expect((await Card.get('c7')).tags).toEqual(['t7']);
    // an absent id is answered from memory too, as the error it always was
    expect(await turns(Card.get('absent').catch(() => undefined))).toBeLessThanOrEqual(2);
    await expect(Card.get('absent')).rejects.toBeInstanceOf(NotFoundError);
    // staged, not committed: the same path
    await new Card({ key: 'staged', n: -1 }).save();
    expect(await turns(Card.get('staged'))).toBeLessThanOrEqual(1);

    // a new workspace has read nothing yet: its first get goes through the reads, its second not
    const other = await Workspace.open(backend);
    class Card2 extends Card {}
    Object.defineProperty(Card2, 'name', { value: 'Card' });
    other.register(Card2);
    expect(await turns(Card2.get('c3'))).toBeGreaterThan(3);
    expect(await turns(Card2.get('c3'))).toBeLessThanOrEqual(1);
    expect((await Card2.get('c3')).n).toBe(3);
  });
});

describe('stageMemory: a large import spills staged files to the object store before the commit', () => {
  class Rec extends Model {
    @Field({ id: true }) key!: string;
    @Field() text!: string;
  }
  const packs = (gitdir: string) => readdirSync(join(gitdir, 'objects', 'pack')).filter((name) => name.endsWith('.pack')).length;

  it('keeps the staged bytes not yet stored under the bound at every save; the commit reads the same with git', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { stageMemory: 40_000 });
    ws.register(Rec);
    for (let i = 0; i < 600; i++) {
      await new Rec({ key: `r${i}`, text: `${i}:`.padEnd(200, 'x') }).save();
      expect(ws.stagingStats().unstoredBytes).toBeLessThanOrEqual(40_000);
    }
    // ~135 KB of files staged in all, and the nodes that hold them (counted towards the bound at
    // an estimate of ~600 bytes a file): at least six batches written, none referenced yet (no branch)
    expect(ws.stagingStats().spills).toBeGreaterThanOrEqual(6);
    expect(packs(path)).toBe(ws.stagingStats().spills);
    expect(() => git(path, 'rev-parse', '--verify', '-q', 'refs/heads/main')).toThrow();
    expect((await Rec.get('r5')).text).toBe('5:'.padEnd(200, 'x'));
    const head = await ws.commit({ message: 'import' });
    expect(ws.stagingStats().unstoredBytes).toBe(0);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(head);
    const files = git(path, 'ls-tree', '-r', '--name-only', 'main').split('\n');
    expect(files.filter((file) => file.includes('r599')).length).toBeGreaterThan(0);
    const first = files.find((file) => /\br0\b/.test(file))!;
    expect(git(path, 'show', `main:${first}`)).toContain('0:xxx');
    expectFsckClean(path);
    const again = await Workspace.open(path);
    again.register(Rec);
    expect((await Rec.get('r599')).text).toBe('599:'.padEnd(200, 'x'));
  }, 60_000);

  it('a discard or a rolled-back transaction after a spill leaves the branch and the index exactly as they were', async () => {
    const path = newRepoPath();
    const ws = await Workspace.open(path, { stageMemory: 5_000 });
    ws.register(Rec);
    await new Rec({ key: 'kept', text: 'before' }).save({ commit: true });
    const head = git(path, 'rev-parse', 'main').trim();
    await expect(
      ws.transaction(async () => {
        for (let i = 0; i < 100; i++) await new Rec({ key: `t${i}`, text: 'y'.repeat(300) }).save();
        const kept = await Rec.get('kept');
        kept.text = 'changed';
        await kept.save();
        expect(ws.stagingStats().spills).toBeGreaterThan(0);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(ws.hasChanges()).toBe(false);
    expect((await Rec.get('kept')).text).toBe('before');
    await expect(Rec.get('t1')).rejects.toBeInstanceOf(NotFoundError);

    const spills = ws.stagingStats().spills;
    for (let i = 0; i < 100; i++) await new Rec({ key: `d${i}`, text: 'z'.repeat(300) }).save();
    expect(ws.stagingStats().spills).toBeGreaterThan(spills);
    await ws.discard();
    expect(ws.hasChanges()).toBe(false);
    expect(ws.stagingStats().unstoredBytes).toBe(0);
    expect(git(path, 'rev-parse', 'main').trim()).toBe(head);
    await expect(Rec.get('d1')).rejects.toBeInstanceOf(NotFoundError);
    // the spilled blobs are only dangling objects, as `git add` then `git reset` leaves
    expectFsckClean(path);
    await new Rec({ key: 'after', text: 'ok' }).save({ commit: true });
    expect(git(path, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('d1');
    expectFsckClean(path);
  }, 60_000);

  it('a spill writes the small folders it completes and keeps each as one node: staging holds a bounded number of nodes, not ~2 per object', async () => {
    const path = newRepoPath();
    const bound = 60_000;
    const ws = await Workspace.open(path, { stageMemory: bound });
    ws.register(Rec);
    const n = 1500;
    for (let i = 0; i < n; i++) await new Rec({ key: `r${i}`, text: `${i}:`.padEnd(100, 'x') }).save();
    const stats = ws.stagingStats();
    expect(stats.spills).toBeGreaterThanOrEqual(4);
    // without folding: a folder node and a file node per object (2 × 1500 = 3000); with it, only
    // the objects saved since the last spill (at most the bound over ~600 bytes a node) and the
    // model's folder and the root
    const sinceSpill = Math.ceil(bound / 600);
    expect(stats.files).toBeLessThanOrEqual(sinceSpill);
    expect(stats.folders).toBeLessThanOrEqual(sinceSpill + 2);
    expect((stats.files + stats.folders) / n).toBeLessThan(0.15);
    // a folded folder still reads without a store read, and changes like any other
    expect((await Rec.get('r3')).text).toBe('3:'.padEnd(100, 'x'));
    const r7 = await Rec.get('r7');
    r7.text = 'changed';
    await r7.save();
    await Rec.delete('r8');
    const head = await ws.commit({ message: 'import' });
    const files = git(path, 'ls-tree', '-r', '--name-only', head!).trim().split('\n');
    expect(files.length).toBe(n - 1);
    expect(JSON.parse(git(path, 'show', `${head}:${files.find((f) => f.includes('/r7/'))}`)).text).toBe('changed');
    expectFsckClean(path);
    const again = await Workspace.open(path);
    again.register(Rec);
    expect((await Rec.get('r1499')).text).toBe('1499:'.padEnd(100, 'x'));
    await expect(Rec.get('r8')).rejects.toBeInstanceOf(NotFoundError);
  }, 60_000);

  it('folds nothing while a transaction could roll back: its staged folders stay whole until it ends', async () => {
    const ws = await Workspace.open(newRepoPath(), { stageMemory: 5_000 });
    ws.register(Rec);
    await ws.transaction(async () => {
      for (let i = 0; i < 100; i++) await new Rec({ key: `t${i}`, text: 'y'.repeat(100) }).save();
      expect(ws.stagingStats().spills).toBeGreaterThan(0);
      expect(ws.stagingStats().files).toBe(100);
    });
    expect((await Rec.get('t99')).text).toBe('y'.repeat(100));
  });

  it('spills through the memory backend too, and is a number of bytes', async () => {
    const ws = await Workspace.open(new MemoryBackend(), { stageMemory: 2_000 });
    ws.register(Rec);
    for (let i = 0; i < 50; i++) await new Rec({ key: `m${i}`, text: 'm'.repeat(100) }).save();
    expect(ws.stagingStats().spills).toBeGreaterThan(0);
    expect(ws.stagingStats().unstoredBytes).toBeLessThanOrEqual(2_000);
    await ws.commit({ message: 'm' });
    expect((await Rec.get('m49')).text).toBe('m'.repeat(100));
    for (const stageMemory of [-1, Number.NaN, '64' as unknown as number]) {
      await expect(Workspace.open(new MemoryBackend(), { stageMemory })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});
