// The tree merge's work is proportional to the change, not to the trees (design 6, M1–M3): 10,000
// objects, flat and sharded, each side changing 1,000 objects of its own and the same 100 (other
// fields). Counters, not time, are asserted: trees read, objects handed to the resolver, every
// read made; the merged tree must be the one `git merge-tree --write-tree` writes. Timings of
// whole merges are bench/merge.ts's job.
import { describe, expect, it } from 'vitest';
import type { ObjectMergeRequest } from '../lib/merge/merge-types.js';
import { layoutOf, mergeTrees } from '../lib/merge/tree-merge.js';
import { jsonFingerprint, jsonResolver, objectOf, pageJson, pagePath, ScratchRepo } from './tree-merge-git.js';

const id = (i: number) => `p-${String(i).padStart(6, '0')}`;
// title and views are two lines apart, so git's line merge takes both sides' edits too
const page = (i: number, fields: Record<string, unknown> = {}) => pageJson(id(i), { title: `page ${i}`, content: 'text', views: 0, ...fields });

function scaleRepo(n: number, sharded: boolean, changed = n / 10, both = n / 100) {
  const repo = new ScratchRepo();
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[pagePath(id(i), sharded)] = page(i);
  const base = repo.commit([], files);
  const ours: Record<string, string> = {};
  const theirs: Record<string, string> = {};
  // spread over the folder (every 10th object, at 10,000), so no long run of untouched entries helps
  const stride = n / changed;
  for (let k = 0; k < changed; k++) {
    const i = k * stride;
    const j = k * stride + stride / 2;
    ours[pagePath(id(i), sharded)] = page(i, { title: `ours ${i}` });
    theirs[pagePath(id(j), sharded)] = page(j, { views: j });
  }
  for (let k = 0; k < both; k++) {
    const i = k * (n / both) + 7;
    ours[pagePath(id(i), sharded)] = page(i, { title: `ours ${i}` });
    theirs[pagePath(id(i), sharded)] = page(i, { views: i });
  }
  const o = repo.commit([base], ours);
  const t = repo.commit([base], theirs);
  repo.load();
  return { repo, base, ours: o, theirs: t, changedObjects: 2 * changed + both };
}

async function run(s: ReturnType<typeof scaleRepo>, sharded: boolean) {
  const { repo } = s;
  const reader = repo.reader();
  const calls: ObjectMergeRequest[] = [];
  const started = performance.now();
  const result = await mergeTrees(
    reader.tree,
    { base: repo.treeOf(s.base), ours: repo.treeOf(s.ours), theirs: repo.treeOf(s.theirs) },
    layoutOf(objectOf(sharded)),
    jsonResolver(repo, reader, calls),
    { fingerprint: jsonFingerprint(repo, reader) },
  );
  const ms = performance.now() - started;
  return { result, reader, calls, ms };
}

describe('tree merge at scale: work proportional to the change', () => {
  for (const sharded of [false, true]) {
    it(`10,000 objects ${sharded ? 'sharded' : 'in one flat folder'}: 1,000 changed on each side, 100 on both`, async () => {
      const s = scaleRepo(10_000, sharded);
      const { result, reader, calls } = await run(s, sharded);
      expect(result.conflicts).toEqual([]);
      expect(calls.length).toBe(100);
      // the resolver reads three trees and three data files per object; the walk reads the folders
      // on changed paths: the root and page/ (and, sharded, the shard folders both sides changed)
      const folders = sharded ? 2 + 256 : 2;
      expect(result.stats.treesRead).toBeLessThanOrEqual(3 * folders);
      expect(result.stats.objectsMerged).toBe(100);
      expect(result.stats.objectsFingerprinted).toBe(0);
      expect(reader.reads.length).toBe(result.stats.treesRead + 6 * 100);
      expect(reader.reads.length).toBeLessThanOrEqual(4 * s.changedObjects);
      // entries stepped over: the folders read, once each (no re-parsing, no per-object work)
      expect(result.stats.entriesScanned).toBeLessThanOrEqual(sharded ? 10_000 + 2 * 1_100 + 300 : 10_200);
      // the changes: a graft per object theirs alone changed (flat) or per shard folder, one merged object each
      expect(result.changes.filter((c) => c.op === 'replace').length).toBe(100);

      const merged = await s.repo.apply(s.repo.treeOf(s.ours), result.changes);
      const git = s.repo.gitMerge(s.ours, s.theirs);
      expect(git.clean).toBe(true);
      expect(merged).toBe(git.tree);
    });
  }
});
