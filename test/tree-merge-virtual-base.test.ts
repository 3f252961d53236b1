// Criss-cross merges: two best common ancestors, merged into a virtual base as git's ort does, with
// conflicts inside the virtual base settled to the inner base's version. Checked against
// `git merge-tree --write-tree`, which builds its own virtual base the same way (with conflict
// markers where we keep the base's version: both give the same outer result).
import { describe, expect, it } from 'vitest';
import { mergeBases } from '../lib/merge/merge-base.js';
import type { ObjectMergeRequest } from '../lib/merge/merge-types.js';
import { layoutOf, mergeTrees } from '../lib/merge/tree-merge.js';
import { type BaseCommit, mergeBaseTree, withObjects } from '../lib/merge/virtual-base.js';
import { git } from './helpers.js';
import { type FieldConflict, jsonFingerprint, jsonResolver, objectOf, pageJson, ScratchRepo } from './tree-merge-git.js';

const page = (id: string, fields: Record<string, unknown> = {}) => pageJson(id, { title: id, content: '', views: 0, ...fields });
const P = (id: string) => `page/${id}/data.json`;

function commitReader(repo: ScratchRepo) {
  const cache = new Map<string, BaseCommit>();
  return async (oid: string): Promise<BaseCommit> => {
    let hit = cache.get(oid);
    if (!hit) {
      const [tree, parents, time] = git(repo.dir, 'log', '-1', '--format=%T%x00%P%x00%ct', oid).trim().split('\0');
      hit = { tree, parents: parents ? parents.split(' ') : [], time: Number(time) };
      cache.set(oid, hit);
    }
    return hit;
  };
}

/**
 * R ← A1, R ← B1; X = merge(A1, B1) and Y = merge(B1, A1) (the criss-cross); ours on X, theirs on
 * Y. A1 and B1 conflict on e's title (X and Y settle it as `eX`/`eY`) and on f (A1 deletes it, B1
 * changes it; both merges delete it).
 */
function crissCross(eX: string, eY: string) {
  const repo = new ScratchRepo();
  const files: Record<string, string> = {};
  for (const id of 'abcdef') files[P(id)] = page(id);
  const r = repo.commit([], files);
  const a1 = repo.commit([r], { [P('a')]: page('a', { title: 'A1' }), [P('e')]: page('e', { title: 'A' }), [P('f')]: null });
  const b1 = repo.commit([r], { [P('b')]: page('b', { title: 'B1' }), [P('e')]: page('e', { title: 'B' }), [P('f')]: page('f', { views: 3 }) });
  const merged = { [P('a')]: page('a', { title: 'A1' }), [P('b')]: page('b', { title: 'B1' }), [P('f')]: null };
  const x = repo.commit([a1, b1], { ...merged, [P('e')]: page('e', { title: eX }) });
  const y = repo.commit([b1, a1], { ...merged, [P('e')]: page('e', { title: eY }) });
  const ours = repo.commit([x], { [P('d')]: page('d', { title: 'ours d' }), [P('a')]: page('a', { title: 'A1', views: 5 }) });
  const theirs = repo.commit([y], { [P('c')]: page('c', { views: 7 }), [P('b')]: page('b', { title: 'B1', content: 'theirs b' }) });
  repo.load();
  return { repo, r, a1, b1, ours, theirs };
}

async function mergeCommits(repo: ScratchRepo, ours: string, theirs: string) {
  const readCommit = commitReader(repo);
  const bases = await mergeBases(readCommit, ours, theirs);
  const reader = repo.reader();
  const calls: ObjectMergeRequest[] = [];
  const layout = layoutOf(objectOf());
  const resolve = jsonResolver(repo, reader, calls);
  const fingerprint = jsonFingerprint(repo, reader);
  const base = await mergeBaseTree({ readCommit, readTree: reader.tree }, bases, layout, resolve, { fingerprint });
  // what the workspace does with a virtual base's objects: make them readable (here: add them)
  repo.add(base.objects);
  const read = withObjects(reader.tree, base.objects);
  const result = await mergeTrees(read, { base: base.tree, ours: repo.treeOf(ours), theirs: repo.treeOf(theirs) }, layout, resolve, { fingerprint });
  const tree = await repo.apply(repo.treeOf(ours), result.changes);
  return { bases, base, result, tree, calls };
}

describe('virtual merge base (criss-cross)', () => {
  it('two bases merge into a virtual one; the outer merge then equals git merge-tree', async () => {
    const { repo, r, a1, b1, ours, theirs } = crissCross('A', 'A');
    const { bases, base, result, tree, calls } = await mergeCommits(repo, ours, theirs);
    expect(bases).toEqual([a1, b1].sort());
    expect(base.virtual).toBe(true);
    expect(base.merges).toBe(1);
    // inside the virtual base: e's title (A vs B) and f (deleted vs changed), both settled to R's
    expect(base.conflicts).toBe(2);
    const virtualFiles = repo.files(base.tree);
    const rFiles = repo.files(repo.treeOf(r));
    expect(virtualFiles.get(P('e'))).toBe(rFiles.get(P('e')));
    expect(virtualFiles.get(P('f'))).toBe(rFiles.get(P('f')));
    expect(repo.text(virtualFiles.get(P('a'))!)).toBe(page('a', { title: 'A1' }));
    expect(repo.text(virtualFiles.get(P('b'))!)).toBe(page('b', { title: 'B1' }));
    // the virtual merge asked the resolver with virtual: true
    expect(calls.filter((c) => c.virtual).map((c) => c.path)).toEqual(['page/e']);

    expect(result.conflicts).toEqual([]);
    const gitResult = repo.gitMerge(ours, theirs);
    expect(gitResult.clean).toBe(true);
    expect(tree).toBe(gitResult.tree);
    const files = repo.files(tree);
    expect(repo.text(files.get(P('e'))!)).toBe(page('e', { title: 'A' }));
    expect(files.has(P('f'))).toBe(false);
  });

  it('sides that settled the inner conflict differently conflict again, against the older base value', async () => {
    const { repo, ours, theirs } = crissCross('A', 'B');
    const { result } = await mergeCommits(repo, ours, theirs);
    expect(result.conflicts).toEqual([{ kind: 'field', model: 'page', id: 'e', field: 'title', base: 'e', ours: 'A', theirs: 'B' } satisfies FieldConflict]);
    expect(repo.gitMerge(ours, theirs).clean).toBe(false);
  });

  it('one base is used as it is; none gives no base', async () => {
    const { repo, r, a1 } = crissCross('A', 'A');
    const readCommit = commitReader(repo);
    const layout = layoutOf(objectOf());
    const resolve = jsonResolver(repo, repo.reader());
    const one = await mergeBaseTree({ readCommit, readTree: repo.reader().tree }, [a1], layout, resolve);
    expect(one).toMatchObject({ tree: repo.treeOf(a1), virtual: false, objects: [], merges: 0 });
    const none = await mergeBaseTree({ readCommit, readTree: repo.reader().tree }, [], layout, resolve);
    expect(none.tree).toBeNull();
    expect(r).toBeDefined();
  });

  it('three bases fold oldest first, each pair with its own merge base', async () => {
    const repo = new ScratchRepo();
    const files: Record<string, string> = {};
    for (const id of 'abcd') files[P(id)] = page(id);
    const r = repo.commit([], files);
    const tips = ['a', 'b', 'c'].map((id) => repo.commit([r], { [P(id)]: page(id, { title: `${id}1` }) }));
    // ours and theirs each merge all three tips: every tip is a best common ancestor
    const ours = repo.commit([tips[0], tips[1], tips[2]], { [P('a')]: page('a', { title: 'a1' }), [P('b')]: page('b', { title: 'b1' }), [P('c')]: page('c', { title: 'c1' }), [P('d')]: page('d', { title: 'ours' }) });
    const theirs = repo.commit([tips[2], tips[1], tips[0]], { [P('a')]: page('a', { title: 'a1', views: 1 }), [P('b')]: page('b', { title: 'b1' }), [P('c')]: page('c', { title: 'c1' }) });
    repo.load();
    const { bases, base, result, tree } = await mergeCommits(repo, ours, theirs);
    expect(bases.length).toBe(3);
    expect(base.merges).toBe(2);
    expect(base.conflicts).toBe(0);
    expect(result.conflicts).toEqual([]);
    expect(tree).toBe(repo.gitMerge(ours, theirs).tree);
  });
});
