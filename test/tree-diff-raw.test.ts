// diffRawTrees against a diff of the parsed trees: random folders (files and subtrees, names of
// several lengths, non-ASCII), random edits (modify, add, remove, file ↔ folder), chained so each
// diff starts from the table the previous one returned.
import { describe, expect, test } from 'vitest';
import { diffRawTrees } from '../lib/git/tree-diff.js';
import { TreeOffsets } from '../lib/git/tree-entry.js';
import { parseTree, serializeTree, type TreeEntry } from '../lib/git/tree.js';

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
