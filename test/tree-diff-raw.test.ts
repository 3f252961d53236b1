// diffRawTrees against a diff of the parsed trees: random folders (files and subtrees, names of
// several lengths, non-ASCII), random edits (modify, add, remove, file ↔ folder), chained so each
// diff starts from the table the previous one returned. Then diffTrees over raw reads (entries
// compared on their bytes) against diffTrees over parsed reads, on nested random trees.
import { describe, expect, test } from 'vitest';
import { diffRawTrees, diffTrees, type FileChange } from '../lib/git/tree-diff.js';
import { TreeOffsets } from '../lib/git/tree-entry.js';
import { parseTree, serializeTree, type TreeEntry, treeWork } from '../lib/git/tree.js';

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

function oid(r: () => number): string {
  let s = '';
  // zero bytes inside oids on purpose: they must not be taken for the end of a name
  for (let i = 0; i < 20; i++) s += (r() < 0.2 ? 0 : Math.floor(r() * 256)).toString(16).padStart(2, '0');
  return s;
}

function entryOf(r: () => number): TreeEntry {
  return { mode: r() < 0.3 ? '40000' : '100644', oid: oid(r) };
}

function expected(a: Map<string, TreeEntry>, b: Map<string, TreeEntry>) {
  const out: { name: string; before?: TreeEntry; after?: TreeEntry }[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const before = a.get(name);
    const after = b.get(name);
    if (before && after && before.oid === after.oid && before.mode === after.mode) continue;
    out.push({ name, ...(before ? { before } : {}), ...(after ? { after } : {}) });
  }
  return out;
}

describe('diffRawTrees', () => {
  test('equals the diff of the parsed trees, chained over random edits', () => {
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(seed);
      const names = ['a', 'b', 'é', 'page-1', 'page-10', 'page-2', 'x.json', 'zz'];
      const current = new Map<string, TreeEntry>();
      for (let i = 0; i < 200 + seed * 20; i++) current.set(`${names[i % names.length]}${Math.floor(r() * 100000)}`, entryOf(r));
      let table = new TreeOffsets(serializeTree(current));
      for (let step = 0; step < 15; step++) {
        const before = parseTree(table.raw);
        const next = new Map(before);
        const keys = [...next.keys()];
        const edits = 1 + Math.floor(r() * (step % 5 === 0 ? 60 : 4));
        for (let e = 0; e < edits; e++) {
          const what = r();
          const name = keys[Math.floor(r() * keys.length)];
          if (what < 0.4) next.set(name, { ...before.get(name)!, oid: oid(r) });
          else if (what < 0.6) next.delete(name);
          else if (what < 0.9) next.set(`${names[e % names.length]}${Math.floor(r() * 100000)}`, entryOf(r));
          else next.set(name, { mode: next.get(name)?.mode === '40000' ? '100644' : '40000', oid: oid(r) });
        }
        const raw = serializeTree(next);
        const { changes, after } = diffRawTrees(table, raw);
        expect(changes).toEqual(expected(before, parseTree(raw)));
        // the table handed back is the new tree's own
        expect(after.starts).toEqual(new TreeOffsets(raw).starts);
        table = after;
      }
    }
  });

  test('identical trees, and trees that differ only at either end', () => {
    const r = rng(7);
    const entries = new Map<string, TreeEntry>(Array.from({ length: 500 }, (_, i) => [`n${String(i).padStart(4, '0')}`, entryOf(r)]));
    const table = new TreeOffsets(serializeTree(entries));
    expect(diffRawTrees(table, serializeTree(entries)).changes).toEqual([]);
    for (const name of ['n0000', 'n0499', 'a-first', 'z-last']) {
      const next = new Map(entries);
      next.set(name, entryOf(r));
      expect(diffRawTrees(table, serializeTree(next)).changes).toEqual(expected(entries, next));
      next.delete(name);
      if (entries.has(name)) expect(diffRawTrees(table, serializeTree(next)).changes).toEqual(expected(entries, next));
    }
    expect(diffRawTrees(table, new Uint8Array(0)).changes).toHaveLength(500);
    expect(diffRawTrees(new TreeOffsets(new Uint8Array(0)), table.raw).changes).toHaveLength(500);
  });
});

describe('diffTrees over raw reads', () => {
  /** A store of trees by made-up oid (diffTrees only reads them back), and both kinds of reads over it. */
  function store() {
    const trees = new Map<string, Uint8Array>();
    const put = (bytes: Uint8Array, r: () => number) => {
      const id = oid(r);
      trees.set(id, bytes);
      return id;
    };
    const raw = { readRawTree: async (id: string) => trees.get(id)! };
    const parsed = async (id: string) => parseTree(trees.get(id)!);
    return { trees, put, raw, parsed };
  }
  const collect = async (changes: AsyncIterable<FileChange>) => {
    const out: FileChange[] = [];
    for await (const change of changes) out.push(change);
    return out;
  };

  test('lists what the parsed diff lists, in the same order, over nested random trees', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const { put, raw, parsed } = store();
      // a folder of files and a few subfolders; the second version edits, adds, removes and turns
      // files into folders and back
      const names = ['a', 'a.b', 'a-', 'é', 'page-1', 'page-10', 'x.json'];
      const sub = (n: number) => put(serializeTree(new Map(Array.from({ length: n }, (_, i) => [`s${i}`, { mode: '100644' as const, oid: oid(r) }]))), r);
      const top = new Map<string, TreeEntry>();
      for (let i = 0; i < 300; i++) {
        const name = `${names[i % names.length]}${Math.floor(r() * 1000)}`;
        top.set(name, r() < 0.1 ? { mode: '40000', oid: sub(1 + Math.floor(r() * 5)) } : { mode: '100644', oid: oid(r) });
      }
      const next = new Map(top);
      const keys = [...top.keys()];
      for (let e = 0; e < 1 + Math.floor(r() * 40); e++) {
        const name = keys[Math.floor(r() * keys.length)];
        const what = r();
        if (what < 0.3) next.set(name, { ...top.get(name)!, oid: top.get(name)!.mode === '40000' ? sub(3) : oid(r) });
        else if (what < 0.5) next.delete(name);
        else if (what < 0.7) next.set(`${names[e % names.length]}${Math.floor(r() * 1000)}`, { mode: '100644', oid: oid(r) });
        else if (what < 0.9) next.set(name, top.get(name)!.mode === '40000' ? { mode: '100644', oid: oid(r) } : { mode: '40000', oid: sub(2) });
        else next.set(name, { ...top.get(name)!, mode: top.get(name)!.mode === '40000' ? '40000' : '100755' });
      }
      // a file "a" and a folder "a" sort apart ("a" < "a-" < "a.b" < "a/"): the pairing must still hold
      top.set('a', { mode: '100644', oid: oid(r) });
      next.set('a', { mode: '40000', oid: sub(2) });
      const a = put(serializeTree(top), r);
      const b = put(serializeTree(next), r);
      for (const [x, y] of [[a, b], [b, a], [a, null], [null, b]] as const) {
        const want = await collect(diffTrees(parsed, x, y, 'folder/'));
        expect(await collect(diffTrees(raw, x, y, 'folder/'))).toEqual(want);
      }
      expect((await collect(diffTrees(raw, a, b))).some((c) => c.path === 'a' && c.status === 'deleted')).toBe(true);
    }
  });

  test('decodes only the entries that differ', async () => {
    const r = rng(3);
    const { put, raw } = store();
    const entries = new Map<string, TreeEntry>(Array.from({ length: 10_000 }, (_, i) => [`page-${i}.json`, { mode: '100644', oid: oid(r) }]));
    const a = put(serializeTree(entries), r);
    for (const i of [5, 5_000, 9_999]) entries.set(`page-${i}.json`, { mode: '100644', oid: oid(r) });
    entries.delete('page-7000.json');
    entries.set('page-new.json', { mode: '100644', oid: oid(r) });
    const b = put(serializeTree(entries), r);
    const parsed = treeWork.entriesParsed;
    const changes = await collect(diffTrees(raw, a, b));
    expect(changes.map((c) => `${c.status} ${c.path}`)).toEqual(['modified page-5.json', 'modified page-5000.json', 'deleted page-7000.json', 'modified page-9999.json', 'added page-new.json']);
    expect(treeWork.entriesParsed - parsed).toBe(8);
  });

  test('a tree out of git\'s order is compared parsed, and still right', async () => {
    const r = rng(5);
    const { trees, put, raw, parsed } = store();
    const one = (name: string, id: string) => serializeTree(new Map([[name, { mode: '100644', oid: id }]]));
    const [x, y, z] = [oid(r), oid(r), oid(r)];
    const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
    // "c" before "b": git refuses such a tree; a walk in step would pair the wrong entries
    const a = put(join(one('a', x), one('c', y), one('b', z)), r);
    const b = put(join(one('a', x), one('b', z), one('c', oid(r))), r);
    expect(trees.size).toBe(2);
    expect(await collect(diffTrees(raw, a, b))).toEqual(await collect(diffTrees(parsed, a, b)));
    expect((await collect(diffTrees(raw, a, b))).map((c) => c.path)).toEqual(['c']);
  });
});
