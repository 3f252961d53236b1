// The tree merge's work is proportional to the change, not to the trees (design 6, M1–M3): 10,000
// objects, flat and sharded, each side changing 1,000 objects of its own and the same 100 (other
// fields). Counters, not time, are asserted: trees read, objects handed to the resolver, every
// read made; the merged tree must be the one `git merge-tree --write-tree` writes. With
// TREE_MERGE_BENCH=1 it also times M1 (100,000 sharded), M2 and M3 and prints the figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mergeBases } from '../lib/merge/merge-base.js';
import type { ObjectMergeRequest } from '../lib/merge/merge-types.js';
import { layoutOf, mergeTrees } from '../lib/merge/tree-merge.js';
import { applyChanges } from '../lib/merge/tree-apply.js';
import { GIT_ENV, git, tempDir } from './helpers.js';
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

  it.runIf(process.env.TREE_MERGE_BENCH)('figures: M1 (100,000 sharded), M2 (10,000 sharded), M3 (10,000 flat)', async () => {
    const rows: string[] = [];
    for (const [name, n, sharded] of [['M3', 10_000, false], ['M2', 10_000, true], ['M1', 100_000, true]] as const) {
      const s = scaleRepo(n, sharded, 1_000, 100);
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof run>> | undefined;
      for (let i = 0; i < 7; i++) {
        last = await run(s, sharded);
        times.push(last.ms);
      }
      times.sort((a, b) => a - b);
      const applyStart = performance.now();
      await applyChanges(async (oid) => s.repo.object(oid), s.repo.treeOf(s.ours), last!.result.changes);
      const applyMs = performance.now() - applyStart;
      const gitTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const g = performance.now();
        execFileSync('git', ['--git-dir', s.repo.dir, 'merge-tree', '--write-tree', s.ours, s.theirs], { env: GIT_ENV });
        gitTimes.push(performance.now() - g);
      }
      gitTimes.sort((a, b) => a - b);
      const st = last!.result.stats;
      rows.push(
        `${name} ${n} ${sharded ? 'sharded' : 'flat'}: merge median ${times[3].toFixed(1)} ms (min ${times[0].toFixed(1)}), apply ${applyMs.toFixed(1)} ms, ` +
          `git merge-tree ${gitTimes[1].toFixed(0)} ms (incl. process start); trees read ${st.treesRead}, entries ${st.entriesScanned}, ` +
          `objects merged ${st.objectsMerged}, all reads ${last!.reader.reads.length} (changed objects ${s.changedObjects})`,
      );
    }
    rows.push(await mergeBaseFigureAsync());
    console.log(rows.join('\n'));
  });
});

/** M4: merge base of two tips forked 100 commits each from a 10,000-commit history (figures only). */
async function mergeBaseFigureAsync(): Promise<string> {
  const dir = tempDir();
  git(dir, 'init', '-q', '--bare');
  const parts: string[] = [];
  let time = 1_700_000_000;
  const commit = (mark: number, parent: number | undefined, ref: string) => {
    time += 60;
    parts.push(`commit ${ref}\nmark :${mark}\ncommitter T <t@example.com> ${time} +0000\ndata 2\nc\n`);
    if (parent) parts.push(`from :${parent}\n`);
    parts.push(`M 100644 inline f\ndata ${String(mark).length}\n${mark}\n`);
  };
  for (let i = 1; i <= 10_000; i++) commit(i, i > 1 ? i - 1 : undefined, 'refs/heads/main');
  for (let i = 0; i < 100; i++) commit(10_001 + i, i ? 10_000 + i : 10_000, 'refs/heads/a');
  for (let i = 0; i < 100; i++) commit(10_101 + i, i ? 10_100 + i : 10_000, 'refs/heads/b');
  const run = spawnSync('git', ['--git-dir', dir, 'fast-import', '--quiet'], { input: parts.join(''), env: GIT_ENV });
  if (run.status !== 0) throw new Error(String(run.stderr));
  const nodes = new Map<string, { parents: string[]; time: number }>();
  for (const line of git(dir, 'log', '--all', '--format=%H %ct %P').trim().split('\n')) {
    const [oid, ct, ...parents] = line.split(' ');
    nodes.set(oid, { parents: parents.filter(Boolean), time: Number(ct) });
  }
  const a = git(dir, 'rev-parse', 'a').trim();
  const b = git(dir, 'rev-parse', 'b').trim();
  const times: number[] = [];
  let reads = 0;
  for (let i = 0; i < 7; i++) {
    reads = 0;
    const started = performance.now();
    await mergeBases(async (oid) => (reads++, nodes.get(oid)!), a, b);
    times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return `M4 merge base, tips 100 + 100 commits from the fork on 10,000: median ${times[3].toFixed(2)} ms (min ${times[0].toFixed(2)}), commit reads ${reads}`;
}
