// Many refs moved as one (RefStore.transaction; lib/git/fs/ref-store.ts, the memory store): a mirror
// backup to a local path and a restore of 1,000 refs each write one packed-refs, with a fixed
// number of flushes whatever the count, and all refs move or none. Judged with the git CLI and by
// counting what the file system was asked to do, never by time.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitDirBackend, InvalidRefNameError, MemoryBackend, nodeFileSystem, RefLockedError, StaleBranchError, Workspace } from '../lib/index.js';
import type { FileSystem, RefStore } from '../lib/git/ports.js';
import { expectFsckClean, git, gitWith, newRepoPath, tempDir } from './helpers.js';

const N = 1_000;
const AUTHOR = { name: 'Ada', email: 'ada@example.com' };

/** Node's file system, counting flushes (files and folders) and lock files made. */
function counting(): { fs: FileSystem; counts: { fileFlushes: number; dirFlushes: number; locks: number } } {
  const counts = { fileFlushes: 0, dirFlushes: 0, locks: 0 };
  const fs: FileSystem = Object.create(nodeFileSystem);
  fs.createFile = async (path, options) => {
    const file = await nodeFileSystem.createFile(path, options);
    if (!file) return file;
    if (path.endsWith('.lock')) counts.locks++;
    return { write: (bytes) => file.write(bytes), close: (durable) => (durable && counts.fileFlushes++, file.close(durable)), abort: () => file.abort() };
  };
  fs.link = async (from, to) => {
    const made = await nodeFileSystem.link(from, to);
    if (made && to.endsWith('.lock')) counts.locks++;
    return made;
  };
  fs.syncDirectory = (dir) => (counts.dirFlushes++, nodeFileSystem.syncDirectory(dir));
  return { fs, counts };
}

const refsOf = (gitdir: string) =>
  git(gitdir, 'for-each-ref', '--format=%(objectname) %(refname)')
    .trim()
    .split('\n')
    .filter(Boolean);

/** A bare repository with one commit on main and N tags and N checkpoints' worth of refs, made with the git CLI. */
async function manyRefs(): Promise<{ path: string; head: string }> {
  const path = newRepoPath();
  const ws = await Workspace.open(path, { author: AUTHOR });
  await ws.files.write('a.txt', new TextEncoder().encode('a\n'));
  const head = (await ws.commit({ message: 'one' }))!;
  const lines = Array.from({ length: N }, (_, i) => `create refs/tags/t${String(i).padStart(4, '0')} ${head}\n`).join('');
  gitWith(path, { input: lines }, 'update-ref', '--stdin');
  return { path, head };
}

describe('a mirror of 1,000 refs', () => {
  it('backup to a local path writes them into one packed-refs; restore flushes a fixed number of times and locks each ref once', async () => {
    const { path } = await manyRefs();
    const source = await Workspace.open(path);
    const target = join(tempDir(), 'backup.git');
    git(tempDir(), 'init', '-q', '--bare', target);
    const backup = await source.remotes.backup(target);
    expect(backup.create).toHaveLength(N + 1);
    expect(refsOf(target)).toEqual(refsOf(path));
    // one packed-refs holds them: no loose ref file was written
    expect(readdirSync(join(target, 'refs', 'tags'))).toEqual([]);
    expect(readFileSync(join(target, 'packed-refs'), 'utf8').trim().split('\n')).toHaveLength(N + 2);
    expectFsckClean(target);

    const restored = newRepoPath();
    git(tempDir(), 'init', '-q', '--bare', '-b', 'main', restored);
    const { fs, counts } = counting();
    const ws = await Workspace.open(new GitDirBackend(fs, { gitdir: restored, commondir: restored }));
    const diff = await ws.remotes.restore(target);
    expect(diff.create).toHaveLength(N + 1);
    expect(refsOf(restored)).toEqual(refsOf(path));
    expectFsckClean(restored);
    // each ref's lock taken once plus packed-refs.lock (git's protocol), and a handful of flushes:
    // the fetched pack and its index, packed-refs, and their folders — not two per ref
    expect(counts.locks).toBe(N + 1 + 1);
    expect(counts.fileFlushes + counts.dirFlushes).toBeLessThanOrEqual(8);
  });

  it('restore is all or none: one ref locked by another writer, and no ref moves', async () => {
    const { path } = await manyRefs();
    const target = newRepoPath();
    git(tempDir(), 'init', '-q', '--bare', '-b', 'main', target);
    const ws = await Workspace.open(target);
    // a writer holds one of the refs the restore would create
    writeFileSync(join(target, 'refs', 'tags', 't0500.lock'), '');
    await expect(ws.remotes.restore(path)).rejects.toBeInstanceOf(RefLockedError);
    expect(git(target, 'for-each-ref').trim()).toBe('');
    // no lock of the restore's own is left behind, only the other writer's
    expect(readdirSync(join(target, 'refs', 'tags'))).toEqual(['t0500.lock']);
    expect(readdirSync(join(target, 'refs', 'heads'))).toEqual([]);
  });
});

/** The transaction contract, on both backends. */
for (const [name, make] of [
  ['memory', async () => ({ refs: new MemoryBackend().refs as RefStore, gitdir: undefined })],
  [
    'git directory',
    async () => {
      const gitdir = newRepoPath();
      const ws = await Workspace.open(gitdir);
      return { refs: ws.repo.refs, gitdir };
    },
  ],
] as const) {
  describe(`RefStore.transaction (${name})`, () => {
    const A = 'a'.repeat(40);
    const B = 'b'.repeat(40);

    it('creates, moves and deletes together; a stale expectation or a clash moves nothing', async () => {
      const { refs, gitdir } = await make();
      await refs.transaction([
        { name: 'refs/heads/x', next: A, expected: null },
        { name: 'refs/tags/y', next: A, expected: null },
      ]);
      await refs.transaction([
        { name: 'refs/heads/x', next: B, expected: A },
        { name: 'refs/tags/y', next: null, expected: A },
        { name: 'refs/tags/z', next: B, expected: null },
      ]);
      expect([await refs.read('refs/heads/x'), await refs.read('refs/tags/y'), await refs.read('refs/tags/z')]).toEqual([B, null, B]);
      await expect(
        refs.transaction([
          { name: 'refs/tags/w', next: A, expected: null },
          { name: 'refs/heads/x', next: A, expected: A }, // it is at B
        ]),
      ).rejects.toBeInstanceOf(StaleBranchError);
      await expect(refs.transaction([{ name: 'refs/heads/x/sub', next: A, expected: null }])).rejects.toBeInstanceOf(InvalidRefNameError);
      await expect(refs.transaction([{ name: 'refs/tags/q', next: A, expected: null }, { name: 'refs/tags/q', next: B, expected: null }])).rejects.toBeInstanceOf(InvalidRefNameError);
      // a name git would refuse moves nothing, and never becomes a path outside refs/
      for (const hostile of ['refs/heads/../../escaped', 'refs/tags/a b', 'refs/heads/x.lock/y']) {
        await expect(refs.transaction([{ name: 'refs/tags/w', next: A, expected: null }, { name: hostile, next: A, expected: null }])).rejects.toBeInstanceOf(InvalidRefNameError);
      }
      if (gitdir) expect(existsSync(join(gitdir, 'escaped'))).toBe(false);
      expect(await refs.read('refs/tags/w')).toBeNull();
      expect(await refs.list('refs/')).toEqual(['refs/heads/x', 'refs/tags/z']);
      // a deleted ref's name may become a folder in the same transaction
      await refs.transaction([
        { name: 'refs/tags/z', next: null, expected: B },
        { name: 'refs/tags/z/inner', next: A, expected: null },
      ]);
      expect(await refs.list('refs/tags/')).toEqual(['refs/tags/z/inner']);
      // git reads the same refs from the packed-refs written
      if (gitdir) expect(git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)').trim().split('\n')).toEqual([`refs/heads/x ${B}`, `refs/tags/z/inner ${A}`]);
    });
  });
}
