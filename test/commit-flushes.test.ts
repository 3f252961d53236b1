// The flushes a commit pays for, counted (never timed): with durability 'fsync' a commit is one
// pack and its index flushed together, the ref's new value flushed alongside, then one flush of
// each directory; writers committing at once in one process share packs and directory flushes
// (group commit), and every one of their commits lands.
import { describe, expect, it } from 'vitest';
import { syncDirectory } from '../lib/git/fs/lockfile.js';
import type { FileSystem } from '../lib/git/ports.js';
import { GitDirBackend, nodeFileSystem, Workspace } from '../lib/index.js';
import { expectFsckClean, git as gitRaw, newRepoPath, snapshot } from './helpers.js';

/** git's output without its final newline. */
const git = (cwd: string, ...args: string[]) => gitRaw(cwd, ...args).replace(/\n$/, '');

interface Counts {
  /** files flushed (fsync of a file) */
  fileFlushes: number;
  /** directories flushed, by directory */
  dirFlushes: Map<string, number>;
  /** packs created (tmp_pack_ files) */
  packs: number;
  /** the most flushes in flight at one moment */
  maxInFlight: number;
}

/** Node's file system, counting flushes and packs. */
function counting(): { fs: FileSystem; counts: Counts; reset(): void } {
  const counts: Counts = { fileFlushes: 0, dirFlushes: new Map(), packs: 0, maxInFlight: 0 };
  let inFlight = 0;
  const tracked = async (flush: () => Promise<void>) => {
    counts.maxInFlight = Math.max(counts.maxInFlight, ++inFlight);
    try {
      await flush();
    } finally {
      inFlight--;
    }
  };
  const fs: FileSystem = Object.create(nodeFileSystem);
  fs.createFile = async (path, options) => {
    const file = await nodeFileSystem.createFile(path, options);
    if (!file) return file;
    if (/\/tmp_pack_[^/]*$/.test(path)) counts.packs++;
    return {
      write: (bytes) => file.write(bytes),
      abort: () => file.abort(),
      close: (durable) => (durable ? (counts.fileFlushes++, tracked(() => file.close(true))) : file.close(false)),
    };
  };
  fs.syncDirectory = (dir) => {
    const name = dir.replace(/.*\.git\//, '');
    counts.dirFlushes.set(name, (counts.dirFlushes.get(name) ?? 0) + 1);
    return tracked(() => nodeFileSystem.syncDirectory(dir));
  };
  const reset = () => {
    counts.fileFlushes = counts.packs = counts.maxInFlight = 0;
    counts.dirFlushes.clear();
  };
  return { fs, counts, reset };
}

async function openCounting(path: string, durability: 'fsync' | 'atomic', branch?: string) {
  const { fs, counts, reset } = counting();
  // the repository exists already (made by a plain Workspace.open)
  const ws = await Workspace.open(new GitDirBackend(fs, { gitdir: path, commondir: path }, durability), branch ? { branch, createBranch: true } : {});
  return { ws, counts, reset };
}

describe('flushes per commit', () => {
  it("'fsync': three file flushes (pack, index, ref) in flight together, then one flush of objects/pack and one of refs/heads", async () => {
    const path = newRepoPath();
    const first = await Workspace.open(path);
    await first.files.write('notes/a.txt', 'a', { commit: true });
    const { ws, counts, reset } = await openCounting(path, 'fsync');
    const commits = 5;
    reset();
    for (let i = 0; i < commits; i++) await ws.files.write(`notes/n${i}.txt`, `note ${i}`, { commit: true, message: `note ${i}` });
    expect(counts.packs).toBe(commits);
    expect(counts.fileFlushes).toBe(3 * commits);
    expect(counts.dirFlushes.get('objects/pack')).toBe(commits);
    expect(counts.dirFlushes.get('refs/heads')).toBe(commits);
    expect([...counts.dirFlushes.keys()].sort()).toEqual(['objects/pack', 'refs/heads']);
    // the pack's, the index's and the ref's flushes overlap instead of following each other
    expect(counts.maxInFlight).toBeGreaterThanOrEqual(3);
    expect(git(path, 'log', '--format=%s', 'main').split('\n').slice(0, commits)).toEqual([4, 3, 2, 1, 0].map((i) => `note ${i}`));
    expectFsckClean(path);
  });

  it("'atomic': no flush at all, the same files", async () => {
    const path = newRepoPath();
    const first = await Workspace.open(path);
    await first.files.write('notes/a.txt', 'a', { commit: true });
    const { ws, counts, reset } = await openCounting(path, 'atomic');
    reset();
    for (let i = 0; i < 3; i++) await ws.files.write(`notes/n${i}.txt`, `note ${i}`, { commit: true });
    expect(counts.packs).toBe(3);
    expect(counts.fileFlushes).toBe(0);
    expect(counts.dirFlushes.size).toBe(0);
    expectFsckClean(path);
  });
});

describe('group commit: writers committing at once in one process', () => {
  it('N workspaces committing together write fewer than N packs and directory flushes, and all N commits land', async () => {
    const path = newRepoPath();
    const first = await Workspace.open(path);
    await first.files.write('notes/base.txt', 'base', { commit: true });
    const writers = 6;
    // one counting file system shared by all, as Node's is
    const { fs, counts, reset } = counting();
    const spaces = await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        Workspace.open(new GitDirBackend(fs, { gitdir: path, commondir: path }, 'fsync'), { branch: `w${i}`, createBranch: true }),
      ),
    );
    for (const [i, ws] of spaces.entries()) await ws.files.write(`notes/w${i}.txt`, `writer ${i}`);
    reset();
    const oids = await Promise.all(spaces.map((ws, i) => ws.commit({ message: `writer ${i}` })));
    // the first pack is written alone; the others, given while it was flushed, share the next one
    expect(counts.packs).toBeLessThan(writers);
    expect(counts.dirFlushes.get('objects/pack')).toBeLessThan(writers);
    expect(counts.dirFlushes.get('refs/heads')).toBeLessThan(writers);
    for (const [i, oid] of oids.entries()) {
      expect(oid).toMatch(/^[0-9a-f]{40}$/);
      expect(git(path, 'rev-parse', `w${i}`)).toBe(oid);
      expect(git(path, 'log', '-1', '--format=%s', `w${i}`)).toBe(`writer ${i}`);
      expect(git(path, 'show', `w${i}:notes/w${i}.txt`)).toBe(`writer ${i}`);
    }
    expectFsckClean(path);
  });

  it('N workspaces on one branch committing together: every commit is on the branch, linear', async () => {
    const path = newRepoPath();
    const first = await Workspace.open(path);
    await first.files.write('notes/base.txt', 'base', { commit: true });
    const writers = 5;
    const spaces = await Promise.all(Array.from({ length: writers }, () => Workspace.open(path)));
    for (const [i, ws] of spaces.entries()) await ws.files.write(`notes/w${i}.txt`, `writer ${i}`);
    const oids = await Promise.all(spaces.map((ws, i) => ws.commit({ message: `writer ${i}` })));
    const log = git(path, 'log', '--format=%H %P', 'main').split('\n');
    expect(log).toHaveLength(writers + 1);
    expect(log.every((line) => line.split(' ').length <= 2)).toBe(true); // no merges
    expect(new Set(log.map((line) => line.split(' ')[0]))).toEqual(new Set([...oids, log.at(-1)!.split(' ')[0]]));
    for (let i = 0; i < writers; i++) expect(git(path, 'show', `main:notes/w${i}.txt`)).toBe(`writer ${i}`);
    expectFsckClean(path);
  });

  it('a directory flush asked for while one runs is served by one that starts after it, shared by all who asked meanwhile', async () => {
    const events: string[] = [];
    const pending: (() => void)[] = [];
    const fs: FileSystem = Object.create(nodeFileSystem);
    let started = 0;
    fs.syncDirectory = () => {
      const n = ++started;
      events.push(`start ${n}`);
      return new Promise((resolve) => pending.push(() => (events.push(`end ${n}`), resolve())));
    };
    const done = (who: string) => () => events.push(`${who} done`);
    const a = syncDirectory(fs, '/d').then(done('a'));
    const b = syncDirectory(fs, '/d').then(done('b'));
    const c = syncDirectory(fs, '/d').then(done('c'));
    expect(started).toBe(1);
    pending.shift()!();
    await a;
    // b and c asked while flush 1 ran: they wait for flush 2, which starts after flush 1
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toBe(2);
    pending.shift()!();
    await Promise.all([b, c]);
    expect(events).toEqual(['start 1', 'end 1', 'a done', 'start 2', 'end 2', 'b done', 'c done']);
    // idle again: the next caller starts a flush at once
    const d = syncDirectory(fs, '/d');
    expect(started).toBe(3);
    pending.shift()!();
    await d;
  });
});

describe('a failed write moves nothing', () => {
  it('the pack cannot be flushed: the commit fails, the branch stays, the staged change is kept and commits later', async () => {
    const path = newRepoPath();
    const first = await Workspace.open(path);
    const base = await first.files.write('notes/a.txt', 'a', { commit: true });
    const fs: FileSystem = Object.create(nodeFileSystem);
    let failing = true;
    fs.createFile = async (file, options) => {
      const made = await nodeFileSystem.createFile(file, options);
      if (!made || !/tmp_pack_/.test(file) || !failing) return made;
      return { write: (bytes) => made.write(bytes), abort: () => made.abort(), close: async () => {
        await made.close(false);
        throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      } };
    };
    const ws = await Workspace.open(new GitDirBackend(fs, { gitdir: path, commondir: path }, 'fsync'));
    await ws.files.write('notes/b.txt', 'b');
    await expect(ws.commit({ message: 'b' })).rejects.toThrow(/EIO/);
    expect(git(path, 'rev-parse', 'main')).toBe(base);
    // no temporary file or lock left behind
    expect([...snapshot(path).keys()].filter((file) => /tmp_|\.lock$|gitmodel-ref-/.test(file))).toEqual([]);
    expect(ws.hasChanges()).toBe(true);
    expectFsckClean(path);
    failing = false;
    const oid = await ws.commit({ message: 'b' });
    expect(git(path, 'rev-parse', 'main')).toBe(oid);
    expect(git(path, 'show', 'main:notes/b.txt')).toBe('b');
    expectFsckClean(path);
  });
});
