// The commit-graph file with changed-path Bloom filters (lib/git/commit-graph.ts, bloom.ts): what
// ws.maintain() writes is what `git commit-graph write --reachable --changed-paths` writes (the
// same rows, byte-identical filters), git verifies it and uses it, and history over a graph lists
// exactly what the plain walk lists (merges, moves, deletes; a stale graph; a corrupt one) while
// inflating only the commits it shows.
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { murmur3, bloomFilter, bloomKeys, mayContain } from '../lib/git/bloom.js';
import { CommitGraph, type CommitNode } from '../lib/git/commit-graph.js';
import { Repository } from '../lib/git/repository.js';
import { utf8 } from '../lib/util/bytes.js';
import { walkPath } from '../lib/history/path-walk.js';
import { Page } from '../models-example/models.js';
import { expectFsckClean, git, gitWith, newRepoPath, tempDir } from './helpers.js';
import { CliHistory, collect, lines, open, pageJson } from './history-helpers.js';

const graphFile = (gitdir: string) => join(gitdir, 'objects', 'info', 'commit-graph');

/** A pseudo-random sequence, the same every run. */
function random(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

/** A commit writing many files at once (one blob, one update-index), for a filter past 512 paths. */
function wideCommit(cli: CliHistory, gitdir: string, parent: string, count: number): string {
  const blob = gitWith(gitdir, { input: 'same\n' }, 'hash-object', '-w', '--stdin').trim();
  const index = join(tempDir(), 'index');
  gitWith(gitdir, { env: { GIT_INDEX_FILE: index } }, 'read-tree', parent);
  const info = Array.from({ length: count }, (_, i) => `100644 ${blob}\twide/d${i % 7}/f${i}.txt\n`).join('');
  gitWith(gitdir, { env: { GIT_INDEX_FILE: index }, input: info }, 'update-index', '--index-info');
  const tree = gitWith(gitdir, { env: { GIT_INDEX_FILE: index } }, 'write-tree').trim();
  return gitWith(gitdir, { env: { GIT_COMMITTER_DATE: '@1700100000 +0000', GIT_AUTHOR_DATE: '@1700100000 +0000' } }, 'commit-tree', tree, '-p', parent, '-m', 'wide').trim();
}

/**
 * A history of pages with side branches, merges (one taking a side's version whole, one octopus),
 * deletions, re-creations and moves (an object saved under a new id), made with the git CLI.
 */
async function generatedHistory(seed: number, steps = 30) {
  const gitdir = newRepoPath();
  await open(gitdir);
  const rnd = random(seed);
  const cli = new CliHistory(gitdir);
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  let main = cli.commit([], { 'page/a/data.json': pageJson('a', 'A0'), 'page/b/data.json': pageJson('b', 'B0') }, 'root');
  const live = new Map<string, string>([['a', 'A0'], ['b', 'B0']]);
  const sides: string[] = [];
  for (let step = 1; step <= steps; step++) {
    const roll = rnd();
    if (roll < 0.12) {
      sides.push(main); // a side branch starts here, edited below
    } else if (roll < 0.3 && sides.length) {
      // a side branch's edit, then maybe its merge into main
      const base = sides.pop()!;
      const id = pick(ids);
      const side = cli.commit([base], { [`page/${id}/data.json`]: pageJson(id, `side ${step}`) }, `side ${step}`);
      const how = rnd();
      const files: Record<string, string | null> = how < 0.4 ? { [`page/${id}/data.json`]: pageJson(id, `side ${step}`) } : how < 0.7 ? {} : { [`page/${id}/data.json`]: pageJson(id, `merged ${step}`) };
      main = cli.commit([main, side], files, `merge ${step}`);
      if (how < 0.4 || how >= 0.7) live.set(id, how < 0.4 ? `side ${step}` : `merged ${step}`);
    } else if (roll < 0.36 && sides.length >= 2) {
      const [s1, s2] = [sides.pop()!, sides.pop()!];
      const x = cli.commit([s1], { 'page/e/data.json': pageJson('e', `octo ${step}`) }, `octo side 1 ${step}`);
      const y = cli.commit([s2], { 'page/d/data.json': pageJson('d', `octo ${step}`) }, `octo side 2 ${step}`);
      main = cli.commit([main, x, y], { 'page/e/data.json': pageJson('e', `octo ${step}`), 'page/d/data.json': pageJson('d', `octo ${step}`) }, `octopus ${step}`);
      live.set('e', `octo ${step}`).set('d', `octo ${step}`);
    } else if (roll < 0.46 && live.size) {
      const id = pick([...live.keys()]);
      main = cli.commit([main], { [`page/${id}/data.json`]: null }, `delete ${id}`);
      live.delete(id);
    } else if (roll < 0.58 && live.size) {
      // a move: the old folder removed, the same fields under a new id, one commit
      const from = pick([...live.keys()]);
      const to = pick(ids.filter((id) => !live.has(id)).concat(`${from}${step}`));
      main = cli.commit([main], { [`page/${from}/data.json`]: null, [`page/${to}/data.json`]: pageJson(to, live.get(from)!) }, `move ${from} to ${to}`);
      live.set(to, live.get(from)!);
      live.delete(from);
      ids.push(to);
    } else {
      const id = pick(ids);
      main = cli.commit([main], { [`page/${id}/data.json`]: pageJson(id, `T${step}`), [`other/${step % 3}.txt`]: `${step}\n` }, `edit ${id}`);
      live.set(id, `T${step}`);
    }
  }
  cli.branch('main', main);
  return { gitdir, ids: [...new Set(ids)], main };
}

/** Every version of each id, as plain data: what must not change with a graph. */
async function histories(gitdir: string, ids: readonly string[]) {
  const ws = await open(gitdir);
  const out: Record<string, unknown[]> = {};
  for (const id of ids) {
    out[id] = (await collect(Page.history(id))).map((v) => ({
      oid: v.commit.oid,
      id: v.id,
      status: v.status,
      movedFrom: v.movedFrom,
      title: v.object?.title ?? null,
    }));
  }
  return { out, ws };
}

/** A fresh repository whose object reads are counted by type, and the path walk's commits over it. */
async function countedWalk(gitdir: string, start: string, path: string) {
  const repo = await Repository.open(gitdir);
  const reads = { commit: 0, tree: 0, blob: 0, tag: 0 };
  const objects = repo.backend.objects;
  const read = objects.read.bind(objects);
  objects.read = async (oid) => {
    const object = await read(oid);
    if (object) reads[object.type]++;
    return object;
  };
  const shown = (await collect(walkPath(repo, start, path))).map((c) => c.commit.oid);
  return { shown, reads };
}

describe('changed-path Bloom filters', () => {
  it('murmur3 is the standard one (version 2), and version 1 differs only on bytes >= 0x80', () => {
    expect(murmur3(0, utf8(''), 2)).toBe(0);
    expect(murmur3(1, utf8(''), 2)).toBe(0x514e28b7);
    expect(murmur3(0, utf8('The quick brown fox jumps over the lazy dog'), 2)).toBe(0x2e4ff723);
    expect(murmur3(0x293ae76f, utf8('page/a/data.json'), 1)).toBe(murmur3(0x293ae76f, utf8('page/a/data.json'), 2));
    expect(murmur3(0x293ae76f, utf8('page/é/data.json'), 1)).not.toBe(murmur3(0x293ae76f, utf8('page/é/data.json'), 2));
  });

  it('a filter holds each changed file and its folders; a commit of more than 512 paths says "maybe" to all', () => {
    const filter = bloomFilter(['page/a/data.json', 'other/x.txt'], 1);
    expect(filter.length).toBe(Math.ceil((5 * 10) / 8)); // 2 files, 3 folders
    for (const path of ['page/a/data.json', 'page/a', 'page', 'other/x.txt']) expect(mayContain(filter, bloomKeys(path, 1))).toBe(true);
    expect(bloomFilter([], 1)).toEqual(Uint8Array.of(0));
    const wide = bloomFilter(Array.from({ length: 513 }, (_, i) => `f${i}`), 1);
    expect(wide).toEqual(Uint8Array.of(0xff));
  });
});

describe('the commit-graph ws.maintain() writes', () => {
  it('has the rows and byte-identical Bloom filters git writes; git verifies it, fsck is clean, git log uses it', async () => {
    const gitdir = newRepoPath();
    await open(gitdir);
    const cli = new CliHistory(gitdir);
    const root = cli.commit([], { 'page/a/data.json': pageJson('a', 'A'), 'page/é/data.json': pageJson('é', 'E'), 'x/y/z.txt': 'z\n' }, 'root');
    const same = cli.commit([root], {}, 'empty: the same tree');
    const side = cli.commit([root], { 'page/b/data.json': pageJson('b', 'B'), 'x/y/z.txt': null }, 'side');
    const other = cli.commit([root], { 'x/y/z.txt': null, 'x/y': 'a file where a folder was\n' }, 'type change');
    const merged = cli.commit([same, side, other], { 'page/b/data.json': pageJson('b', 'B') }, 'octopus');
    const wide = wideCommit(cli, gitdir, merged, 600);
    const last = cli.commit([wide], { 'page/ü/data.json': pageJson('ü', 'U') }, 'unicode');
    cli.branch('main', last);
    git(gitdir, 'tag', '-a', 'v1', '-m', 'a tag', side);

    const ws = await open(gitdir);
    await ws.maintain();
    const ours = CommitGraph.parse(readFileSync(graphFile(gitdir)))!;
    expect(ours).toBeDefined();
    git(gitdir, 'commit-graph', 'verify');
    expectFsckClean(gitdir);

    const copy = join(tempDir(), 'copy.git');
    cpSync(gitdir, copy, { recursive: true });
    rmSync(graphFile(copy), { force: true });
    git(copy, 'commit-graph', 'write', '--reachable', '--changed-paths');
    const theirs = CommitGraph.parse(readFileSync(graphFile(copy)))!;
    const all = lines(git(gitdir, 'rev-list', '--all'));
    expect(ours.size).toBe(all.length);
    expect(theirs.size).toBe(all.length);
    for (const oid of all) {
      const row = (c: CommitNode | undefined) => c && { oid: c.oid, tree: c.tree, parents: c.parents, time: c.committer.timestamp };
      expect(row(ours.commit(oid))).toEqual(row(theirs.commit(oid)));
      expect(row(ours.commit(oid))).toMatchObject({ tree: git(gitdir, 'rev-parse', `${oid}^{tree}`).trim() });
      expect(ours.filter(oid)).toEqual(theirs.filter(oid));
    }
    expect([...ours.filter(wide)!]).toEqual([0xff]);

    // git's own trace: its log skipped commits on our filters
    const trace = join(tempDir(), 'trace');
    const log = gitWith(gitdir, { env: { GIT_TRACE2_PERF: trace } }, 'log', '--format=%H', 'main', '--', 'page/a/data.json');
    expect(lines(log)).toEqual([root]);
    const stats = JSON.parse(/statistics:(\{.*\})/.exec(readFileSync(trace, 'utf8'))![1]);
    expect(stats.definitely_not).toBeGreaterThan(0);
  });

  it('is rewritten from the previous one: a second maintain reads only the new commits', async () => {
    const { gitdir, main } = await generatedHistory(7, 30);
    const ws = await open(gitdir);
    await ws.maintain();
    const before = CommitGraph.parse(readFileSync(graphFile(gitdir)))!;
    const cli = new CliHistory(gitdir, 1_800_000_000);
    const next = cli.commit([main], { 'page/a/data.json': pageJson('a', 'later') }, 'later');
    cli.branch('main', next);
    const repo = await Repository.open(gitdir);
    let commitsRead = 0;
    const objects = repo.backend.objects;
    const read = objects.read.bind(objects);
    objects.read = async (oid) => {
      const object = await read(oid);
      if (object?.type === 'commit') commitsRead++;
      return object;
    };
    expect(await repo.writeCommitGraph()).toBe(before.size + 1);
    expect(commitsRead).toBe(1);
    git(gitdir, 'commit-graph', 'verify');
  });

  it('is not written when a parent is missing (a shallow clone), and maintenance still succeeds', async () => {
    const gitdir = newRepoPath();
    await open(gitdir);
    const cli = new CliHistory(gitdir);
    const root = cli.commit([], { 'page/a/data.json': pageJson('a', 'A') }, 'root');
    const tree = git(gitdir, 'rev-parse', `${root}^{tree}`).trim();
    const body = `tree ${tree}\nparent ${'1'.repeat(40)}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\ncut off\n`;
    const orphan = gitWith(gitdir, { input: body }, 'hash-object', '-t', 'commit', '-w', '--stdin', '--literally').trim();
    cli.branch('main', orphan);
    const ws = await open(gitdir);
    await expect(ws.maintain()).resolves.toMatchObject({ packs: 1 });
    expect(existsSync(graphFile(gitdir))).toBe(false);
  });
});

describe('history over a commit-graph', () => {
  it('lists exactly what the plain walk lists, on generated histories with merges, moves and deletions', async () => {
    for (const seed of [1, 2]) {
      const { gitdir, ids } = await generatedHistory(seed);
      const plain = (await histories(gitdir, ids)).out;
      const { ws } = await histories(gitdir, []);
      await ws.maintain();
      expect(existsSync(graphFile(gitdir))).toBe(true);
      expect((await histories(gitdir, ids)).out).toEqual(plain);
      // and what git's own graph says gives the same again
      rmSync(graphFile(gitdir));
      git(gitdir, 'commit-graph', 'write', '--reachable', '--changed-paths');
      expect((await histories(gitdir, ids)).out).toEqual(plain);
    }
  }, 240_000);

  it('inflates only the commits it shows and reads no tree of a commit its filter rules out', async () => {
    const { gitdir, main } = await generatedHistory(5, 40);
    const path = 'page/a/data.json';
    const plain = await countedWalk(gitdir, main, path);
    const ws = await open(gitdir);
    await ws.maintain();
    const graphed = await countedWalk(gitdir, main, path);
    expect(graphed.shown).toEqual(plain.shown);
    expect(graphed.shown.length).toBeGreaterThan(3);
    expect(graphed.reads.commit).toBe(graphed.shown.length);
    const visited = Number(git(gitdir, 'rev-list', '--count', 'main').trim());
    expect(plain.reads.commit).toBeGreaterThan(graphed.reads.commit * 2);
    expect(plain.reads.commit).toBeLessThanOrEqual(visited);
    expect(graphed.reads.tree).toBeLessThan(plain.reads.tree / 2);
  });

  it('stays right when the branch has moved on past the graph (commits newer than it are read)', async () => {
    const { gitdir, ids, main } = await generatedHistory(11, 40);
    const ws = await open(gitdir);
    await ws.maintain();
    // newer commits: an edit, a move of `a` (re-created first), a merge
    const cli = new CliHistory(gitdir, 1_800_000_000);
    const c1 = cli.commit([main], { 'page/a/data.json': pageJson('a', 'fresh') }, 'fresh a');
    const c2 = cli.commit([c1], { 'page/a/data.json': null, 'page/z/data.json': pageJson('z', 'fresh') }, 'move a to z');
    const side = cli.commit([c1], { 'page/b/data.json': pageJson('b', 'side') }, 'side b');
    const m = cli.commit([c2, side], { 'page/b/data.json': pageJson('b', 'side') }, 'merge');
    cli.branch('main', m);
    const stale = (await histories(gitdir, [...ids, 'z'])).out;
    expect(stale.z[0]).toMatchObject({ status: 'moved', movedFrom: 'a' });
    rmSync(graphFile(gitdir));
    expect((await histories(gitdir, [...ids, 'z'])).out).toEqual(stale);
  });

  it('ignores a graph that does not check out (a changed byte, a truncated file) and answers as without one', async () => {
    const { gitdir, ids, main } = await generatedHistory(3, 30);
    const plain = (await histories(gitdir, ids)).out;
    const { ws } = await histories(gitdir, []);
    await ws.maintain();
    const good = readFileSync(graphFile(gitdir));
    const graph = CommitGraph.parse(good)!;
    // a tree oid in the commit data changed: the checksum no longer matches
    const flipped = Uint8Array.from(good);
    const row = good.indexOf(Buffer.from(graph.commit(main)!.tree, 'hex'));
    flipped[row + 3] ^= 0xff;
    for (const bad of [flipped, good.subarray(0, good.length - 100), Uint8Array.from([...good.subarray(0, 4), 9, ...good.subarray(5)])]) {
      expect(CommitGraph.parse(bad)).toBeUndefined();
      chmodSync(graphFile(gitdir), 0o644);
      writeFileSync(graphFile(gitdir), bad);
      expect((await histories(gitdir, ids)).out).toEqual(plain);
    }
    copyFileSync(join(gitdir, 'HEAD'), graphFile(gitdir)); // not a graph at all
    expect((await histories(gitdir, ids)).out).toEqual(plain);
  });
});
