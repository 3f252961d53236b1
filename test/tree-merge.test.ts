// The tree merge against design 4.5's table, row by row, on trees made with the git CLI: one side
// changed, both the same, both differently (the resolver), both deleted, delete/modify (and the
// onDelete rules), add/add, moves met by changes, moves apart, move/delete, files outside models,
// case twins, a data-file layout, and unrelated histories (no base). The merged tree is checked
// file by file against a tree written by git with the expected content.
import { describe, expect, it } from 'vitest';
import { layoutOf, mergeTrees } from '../lib/merge/tree-merge.js';
import type { MergeTreesOptions } from '../lib/merge/tree-merge.js';
import type { ObjectMergeRequest } from '../lib/merge/merge-types.js';
import { jsonFingerprint, jsonResolver, objectOf, pageJson, pagePath, ScratchRepo, shardOf } from './tree-merge-git.js';

const page = (id: string, fields: Record<string, unknown> = {}) => pageJson(id, { title: id, content: '', views: 0, ...fields });
const note = (id: string, fields: Record<string, unknown> = {}) => `${JSON.stringify({ id, title: id, body: '', ...fields }, null, 2)}\n`;
const P = (id: string) => `page/${id}/data.json`;
const N = (id: string) => `note/${id}.json`;

/** Base, ours and theirs exercising every row of the table at once (one object per row). */
function tableRepo() {
  const repo = new ScratchRepo();
  const base: Record<string, string> = { 'README.md': 'readme\n', 'notes.txt': 'notes\n', [N('x')]: note('x'), [N('y')]: note('y') };
  for (const id of 'abcdefghijk') base[P(id)] = page(id);
  base['page/c/cover'] = 'cover bytes';
  const root = repo.commit([], base);
  const ours = repo.commit([root], {
    [P('b')]: page('b', { title: 'ours b' }), // b o b
    [P('c')]: page('c', { title: 'same c' }), // b o t, o = t
    [P('d')]: page('d', { title: 'ours d' }), // b o t: field merge
    [P('e')]: null, // deleted, deleted
    [P('f')]: null, // deleted, modified
    [P('g')]: page('g', { views: 7 }), // modified, deleted
    [P('n1')]: page('n1', { title: 'added same' }), // add/add, equal
    [P('n2')]: page('n2', { title: 'ours n2' }), // add/add, different
    [P('h')]: null, // moved to h2 by ours; theirs changes h
    [P('h2')]: page('h2', { title: 'h' }),
    [P('i')]: page('i', { content: 'ours i' }), // theirs moves i to i2
    [P('j')]: null, // moved apart: ours to j-ours, theirs to j-theirs
    [P('j-ours')]: page('j-ours', { title: 'j' }),
    [P('k')]: null, // moved by ours, deleted by theirs
    [P('k2')]: page('k2', { title: 'k' }),
    [P('Zed')]: page('Zed', { title: 'zed ours' }), // case twin with theirs' zed
    'README.md': 'readme ours\n', // a file outside models, one side
    'notes.txt': 'notes ours\n', // both sides
    [N('x')]: note('x', { title: 'ours x' }), // data-file root, both changed
  });
  const theirs = repo.commit([root], {
    [P('a')]: page('a', { title: 'theirs a' }), // b b t
    [P('c')]: page('c', { title: 'same c' }),
    [P('d')]: page('d', { views: 4 }),
    [P('e')]: null,
    [P('f')]: page('f', { views: 9 }),
    [P('g')]: null,
    [P('n1')]: page('n1', { title: 'added same' }),
    [P('n2')]: page('n2', { title: 'theirs n2' }),
    [P('h')]: page('h', { content: 'theirs h' }),
    [P('i')]: null,
    [P('i2')]: page('i2', { title: 'i' }),
    [P('j')]: null,
    [P('j-theirs')]: page('j-theirs', { title: 'j' }),
    [P('k')]: null,
    [P('zed')]: page('zed', { title: 'zed theirs' }),
    'notes.txt': 'notes theirs\n',
    [N('x')]: note('x', { body: 'theirs x' }),
    [N('y')]: note('y', { body: 'theirs y' }),
  });
  repo.load();
  return { repo, base, root, ours, theirs };
}

async function merge(repo: ScratchRepo, base: string | null, ours: string, theirs: string, options: MergeTreesOptions & { moves?: boolean; sharded?: boolean } = {}) {
  const reader = repo.reader();
  const calls: ObjectMergeRequest[] = [];
  const fingerprint = options.moves === false ? undefined : jsonFingerprint(repo, reader);
  const result = await mergeTrees(
    reader.tree,
    { base: base && repo.treeOf(base), ours: repo.treeOf(ours), theirs: repo.treeOf(theirs) },
    layoutOf(objectOf(options.sharded)),
    jsonResolver(repo, reader, calls),
    { fingerprint, ...options },
  );
  const tree = await repo.apply(repo.treeOf(ours), result.changes);
  const files = repo.files(tree);
  const text = (path: string) => (files.has(path) ? repo.text(files.get(path)!) : undefined);
  return { result, calls, reader, tree, files, text };
}

describe('tree merge: design 4.5, row by row', () => {
  it('settles each row as the table says, and the merged tree holds exactly the expected files', async () => {
    const { repo, root, ours, theirs } = tableRepo();
    const { result, calls, text, files } = await merge(repo, root, ours, theirs);

    // b b t → t; b o b → o; b o t, o = t → o
    expect(text(P('a'))).toBe(page('a', { title: 'theirs a' }));
    expect(text(P('b'))).toBe(page('b', { title: 'ours b' }));
    expect(text(P('c'))).toBe(page('c', { title: 'same c' }));
    expect(files.get('page/c/cover')).toBeDefined();
    // b o t → field merge
    expect(text(P('d'))).toBe(page('d', { title: 'ours d', views: 4 }));
    // deleted, deleted → deleted
    expect(text(P('e'))).toBeUndefined();
    // deleted vs modified → delete-modify, ours kept meanwhile
    expect(text(P('f'))).toBeUndefined();
    expect(text(P('g'))).toBe(page('g', { views: 7 }));
    // add/add: equal → it; different → field merge with no base
    expect(text(P('n1'))).toBe(page('n1', { title: 'added same' }));
    expect(text(P('n2'))).toBe(page('n2', { title: 'ours n2' }));
    // moved by one side, changed by the other: the change follows the move
    expect(text(P('h'))).toBeUndefined();
    expect(text(P('h2'))).toBe(page('h2', { title: 'h', content: 'theirs h' }));
    expect(text(P('i'))).toBeUndefined();
    expect(text(P('i2'))).toBe(page('i2', { title: 'i', content: 'ours i' }));
    // moved apart: both copies stay until resolved; moved vs deleted: the moved copy stays
    expect(text(P('j'))).toBeUndefined();
    expect(text(P('j-ours'))).toBeDefined();
    expect(text(P('j-theirs'))).toBeDefined();
    expect(text(P('k2'))).toBeDefined();
    // a case twin: theirs' is left out
    expect(text(P('Zed'))).toBeDefined();
    expect(text(P('zed'))).toBeUndefined();
    // files outside models: one side → it; both → conflict, ours kept
    expect(text('README.md')).toBe('readme ours\n');
    expect(text('notes.txt')).toBe('notes ours\n');
    // data-file roots
    expect(text(N('x'))).toBe(note('x', { title: 'ours x', body: 'theirs x' }));
    expect(text(N('y'))).toBe(note('y', { body: 'theirs y' }));

    const summary = result.conflicts.map((c) =>
      c.kind === 'file' ? `file ${c.path}` : c.kind === 'rename' ? `rename ${c.reason} ${c.id} ${c.ours} ${c.theirs}` : c.kind === 'delete-modify' ? `delete-modify ${c.id} ${c.deletedBy}` : `field ${c.id} ${c.field}`,
    );
    expect(summary.sort()).toEqual(
      [
        'delete-modify f ours',
        'delete-modify g theirs',
        'field n2 title',
        'file notes.txt',
        'rename case-twin zed Zed zed',
        'rename moved-apart j j-ours j-theirs',
        'rename moved-deleted k k2 null',
      ].sort(),
    );
    expect(result.resolved.map((r) => ('how' in r ? `${r.how} ${r.path}` : r)).sort()).toEqual(['move page/h', 'move page/i']);

    // the resolver saw exactly the objects both sides changed differently (and the two moves)
    expect(calls.map((c) => `${c.path}${c.moved ? ` from ${c.moved.from} (${c.moved.by})` : ''}${c.base ? '' : ' (no base)'}`).sort()).toEqual(
      ['note/x.json', 'page/d', 'page/h2 from page/h (ours)', 'page/i2 from page/i (theirs)', 'page/n2 (no base)'].sort(),
    );
    const twin = result.conflicts.find((c) => c.kind === 'rename' && c.reason === 'case-twin');
    expect(twin).toMatchObject({ model: 'page', oursPath: 'page/Zed', theirsPath: 'page/zed' });
  });

  it('the merged tree is the one git writes for the same files', async () => {
    const { repo, base, root, ours, theirs } = tableRepo();
    const { tree } = await merge(repo, root, ours, theirs);
    const expected: Record<string, string | null> = { ...base };
    Object.assign(expected, {
      [P('a')]: page('a', { title: 'theirs a' }),
      [P('b')]: page('b', { title: 'ours b' }),
      [P('c')]: page('c', { title: 'same c' }),
      [P('d')]: page('d', { title: 'ours d', views: 4 }),
      [P('e')]: null,
      [P('f')]: null,
      [P('g')]: page('g', { views: 7 }),
      [P('n1')]: page('n1', { title: 'added same' }),
      [P('n2')]: page('n2', { title: 'ours n2' }),
      [P('h')]: null,
      [P('h2')]: page('h2', { title: 'h', content: 'theirs h' }),
      [P('i')]: null,
      [P('i2')]: page('i2', { title: 'i', content: 'ours i' }),
      [P('j')]: null,
      [P('j-ours')]: page('j-ours', { title: 'j' }),
      [P('j-theirs')]: page('j-theirs', { title: 'j' }),
      [P('k')]: null,
      [P('k2')]: page('k2', { title: 'k' }),
      [P('Zed')]: page('Zed', { title: 'zed ours' }),
      'README.md': 'readme ours\n',
      'notes.txt': 'notes ours\n',
      [N('x')]: note('x', { title: 'ours x', body: 'theirs x' }),
      [N('y')]: note('y', { body: 'theirs y' }),
    });
    const written = repo.commit([], Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== null)) as Record<string, string>, { clear: true });
    expect(tree).toBe(repo.treeOf(written));
  });

  it('onDelete rules settle delete/modify: delete-wins, keep-wins', async () => {
    const { repo, root, ours, theirs } = tableRepo();
    const del = await merge(repo, root, ours, theirs, { onDelete: () => 'delete-wins' });
    expect(del.text(P('f'))).toBeUndefined();
    expect(del.text(P('g'))).toBeUndefined();
    expect(del.result.conflicts.some((c) => c.kind === 'delete-modify')).toBe(false);
    expect(del.result.resolved.filter((r) => 'how' in r && r.how === 'delete-wins').map((r) => 'path' in r && r.path).sort()).toEqual(['page/f', 'page/g']);

    const keep = await merge(repo, root, ours, theirs, { onDelete: (model) => (model === 'page' ? 'keep-wins' : 'conflict') });
    expect(keep.text(P('f'))).toBe(page('f', { views: 9 }));
    expect(keep.text(P('g'))).toBe(page('g', { views: 7 }));
    expect(keep.result.conflicts.some((c) => c.kind === 'delete-modify')).toBe(false);
  });

  it('without a fingerprint there is no move detection: moves met by changes are delete/modify', async () => {
    const { repo, root, ours, theirs } = tableRepo();
    const { result, calls, text } = await merge(repo, root, ours, theirs, { moves: false });
    expect(result.conflicts.filter((c) => c.kind === 'delete-modify').map((c) => 'id' in c && c.id).sort()).toEqual(['f', 'g', 'h', 'i']);
    expect(result.conflicts.some((c) => c.kind === 'rename' && c.reason !== 'case-twin')).toBe(false);
    expect(calls.some((c) => c.moved)).toBe(false);
    expect(text(P('h2'))).toBe(page('h2', { title: 'h' }));
    expect(result.stats.objectsFingerprinted).toBe(0);
  });

  it('is symmetric: theirs into ours gives the same tree as ours into theirs where nothing conflicts', async () => {
    const repo = new ScratchRepo();
    const files: Record<string, string> = {};
    for (const id of 'abcdef') files[P(id)] = page(id);
    const root = repo.commit([], files);
    const ours = repo.commit([root], { [P('a')]: page('a', { title: 'A' }), [P('b')]: page('b', { title: 'B' }), [P('c')]: null, [P('z')]: page('z') });
    const theirs = repo.commit([root], { [P('b')]: page('b', { views: 2 }), [P('d')]: null, [P('y')]: page('y'), [P('e')]: page('e', { content: 'E' }) });
    repo.load();
    const one = await merge(repo, root, ours, theirs);
    const two = await merge(repo, root, theirs, ours);
    expect(one.result.conflicts).toEqual([]);
    expect(one.tree).toBe(two.tree);
    expect(one.tree).toBe(repo.gitMerge(ours, theirs).tree);
  });

  it('skips by oid: a side that changed nothing is taken whole; equal sides are not walked', async () => {
    const repo = new ScratchRepo();
    const root = repo.commit([], { [P('a')]: page('a'), 'x/y/z.txt': 'z\n' });
    const theirs = repo.commit([root], { [P('a')]: page('a', { title: 'T' }) });
    repo.load();
    const { result, tree } = await merge(repo, root, root, theirs);
    expect(result.changes).toEqual([{ op: 'graft', path: '', entry: { mode: '40000', oid: repo.treeOf(theirs) } }]);
    expect(result.stats.treesRead).toBe(0);
    expect(tree).toBe(repo.treeOf(theirs));
    const same = await merge(repo, root, theirs, theirs);
    expect(same.result.changes).toEqual([]);
    expect(same.result.stats.treesRead).toBe(0);
  });

  it('a file and a folder of one name from the two sides is a conflict, theirs left out', async () => {
    const repo = new ScratchRepo();
    const root = repo.commit([], { 'docs/readme': 'r\n', 'keep.txt': 'k\n' });
    const ours = repo.commit([root], { 'docs/thing': 'a file\n' });
    const theirs = repo.commit([root], { 'docs/thing/inner.txt': 'in a folder\n' });
    repo.load();
    const { result, files } = await merge(repo, root, ours, theirs);
    expect(result.conflicts).toMatchObject([{ kind: 'file', reason: 'directory-file', path: 'docs/thing' }]);
    expect([...files.keys()].sort()).toEqual(['docs/readme', 'docs/thing', 'keep.txt']);
  });
});

describe('tree merge: unrelated histories (no base)', () => {
  it('merges add/add everywhere: equal objects kept, different ones merged with no base, the rest united', async () => {
    const repo = new ScratchRepo();
    const ours = repo.commit([], { [P('a')]: page('a'), [P('b')]: page('b', { title: 'ours' }), [P('o')]: page('o'), 'shared.txt': 's\n', 'mine.txt': 'm\n' });
    const theirs = repo.commit([], { [P('a')]: page('a'), [P('b')]: page('b', { views: 3 }), [P('t')]: page('t'), 'shared.txt': 's\n', 'theirs.txt': 't\n' });
    repo.load();
    const { result, calls, files, text } = await merge(repo, null, ours, theirs);
    expect(calls.map((c) => [c.path, c.base])).toEqual([['page/b', undefined]]);
    expect(result.conflicts.map((c) => 'field' in c && c.field).sort()).toEqual(['title', 'views']);
    expect(text(P('b'))).toBe(page('b', { title: 'ours' }));
    expect([...files.keys()].sort()).toEqual(['mine.txt', P('a'), P('b'), P('o'), P('t'), 'shared.txt', 'theirs.txt'].sort());
  });
});

describe('tree merge: sharded layout', () => {
  /** ids in distinct shards, so that moves cross shard folders */
  function ids(count: number, prefix: string): string[] {
    const out: string[] = [];
    const shards = new Set<string>();
    for (let i = 0; out.length < count; i++) {
      const id = `${prefix}${i}`;
      if (shards.has(shardOf(id))) continue;
      shards.add(shardOf(id));
      out.push(id);
    }
    return out;
  }

  it('moves across shard folders: a move met by a change, moves apart hidden in a folder both sides changed alike', async () => {
    const repo = new ScratchRepo();
    const [a, b, c, x, y, z, w] = ids(7, 'obj-');
    const S = (id: string) => pagePath(id, true);
    const files: Record<string, string> = {};
    for (const id of ids(40, 'other-')) files[S(id)] = page(id);
    files[S(a)] = page(a);
    files[S(b)] = page(b);
    files[S(c)] = page(c);
    const root = repo.commit([], files);
    // ours: moves a to x, changes b; moves c to z. theirs: changes a, moves b to y; moves c to w.
    // c's shard folder loses c on both sides alike: ours == theirs there, so only the scan of
    // folders both sides changed alike finds that both moved it
    const ours = repo.commit([root], { [S(a)]: null, [S(x)]: page(x, { title: a }), [S(b)]: page(b, { content: 'ours b' }), [S(c)]: null, [S(z)]: page(z, { title: c }) });
    const theirs = repo.commit([root], { [S(a)]: page(a, { content: 'theirs a' }), [S(b)]: null, [S(y)]: page(y, { title: b }), [S(c)]: null, [S(w)]: page(w, { title: c }) });
    repo.load();
    const { result, text, calls } = await merge(repo, root, ours, theirs, { sharded: true });
    expect(text(S(a))).toBeUndefined();
    expect(text(S(x))).toBe(page(x, { title: a, content: 'theirs a' }));
    expect(text(S(b))).toBeUndefined();
    expect(text(S(y))).toBe(page(y, { title: b, content: 'ours b' }));
    expect(text(S(z))).toBeDefined();
    expect(text(S(w))).toBeDefined();
    expect(result.conflicts).toMatchObject([{ kind: 'rename', reason: 'moved-apart', id: c, ours: z, theirs: w, path: `page/${shardOf(c)}/${c}` }]);
    expect(calls.map((r) => r.moved?.by).sort()).toEqual(['ours', 'theirs']);
    // fingerprints: the deleted objects' base versions and the additions, nothing else
    expect(result.stats.objectsFingerprinted).toBeLessThanOrEqual(3 + 4);
  });

  it('objects both sides deleted, with no move anywhere, cost no fingerprint', async () => {
    const repo = new ScratchRepo();
    const files: Record<string, string> = {};
    const all = ids(30, 'p-');
    for (const id of all) files[pagePath(id, true)] = page(id);
    const root = repo.commit([], files);
    const ours = repo.commit([root], { [pagePath(all[0], true)]: null, [pagePath(all[1], true)]: page(all[1], { title: 'o' }) });
    const theirs = repo.commit([root], { [pagePath(all[0], true)]: null, [pagePath(all[2], true)]: page(all[2], { title: 't' }) });
    repo.load();
    const { result, tree } = await merge(repo, root, ours, theirs, { sharded: true });
    expect(result.conflicts).toEqual([]);
    expect(result.stats.objectsFingerprinted).toBe(0);
    expect(tree).toBe(repo.gitMerge(ours, theirs).tree);
  });
});
