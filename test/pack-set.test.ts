// The pack directory is listed again when its mtime changes; a pack renamed into place within the
// same timestamp tick as the last listing leaves the mtime unchanged, so a listing made that close
// to a change is not trusted (racy git). Simulated by setting the directory's mtime back.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../lib/index.js'; // installs the Node platform and path opener
import { Repository } from '../lib/git/repository.js';
import { PackSet } from '../lib/git/fs/pack-set.js';
import { nodeFileSystem } from '../lib/index.js';
import type { FileSystem } from '../lib/git/ports.js';
import { git, newRepoPath } from './helpers.js';

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** A new bare repository. */
function bareRepo(): string {
  const path = newRepoPath();
  git(join(path, '..'), 'init', '-q', '--bare', path);
  return path;
}

/** A commit of the empty tree, as a loose object, on branch `message`; its oid. */
function commitOn(path: string, message: string): string {
  const oid = git(path, 'commit-tree', EMPTY_TREE, '-m', message).trim();
  git(path, 'update-ref', `refs/heads/${message}`, oid);
  return oid;
}

/**
 * The node file system, except that the first look at `oid`'s loose file (a stat or a read)
 * finds it just packed and removed by another process (`git repack -a -d`); `raced()` counts looks.
 */
function packedAwayOnFirstLook(path: string, oid: string): { fs: FileSystem; raced(): number } {
  const loose = join(path, 'objects', oid.slice(0, 2), oid.slice(2));
  let looks = 0;
  const race = (file: string) => file === loose && looks++ === 0 && git(path, 'repack', '-q', '-a', '-d');
  const fs: FileSystem = Object.create(nodeFileSystem, {
    readFile: { value: async (file: string) => (race(file), nodeFileSystem.readFile(file)) },
    stat: { value: async (file: string) => (race(file), nodeFileSystem.stat(file)) },
  });
  return { fs, raced: () => looks };
}

describe('PackSet', () => {
  it('finds a pack added in the same mtime tick as its last listing', async () => {
    const path = bareRepo();
    const a = commitOn(path, 'a');
    git(path, 'repack', '-q', '-a', '-d');
    const repo = await Repository.open(path);
    expect((await repo.readCommit(a)).message).toBe('a\n');
    const dir = join(path, 'objects', 'pack');
    const before = statSync(dir, { bigint: true });
    // another writer adds a pack; the directory's mtime is put back as if in the same tick
    const b = commitOn(path, 'b');
    git(path, 'repack', '-q', '-d');
    expect(readdirSync(dir).filter((n) => n.endsWith('.pack'))).toHaveLength(2);
    const ns = before.mtimeNs;
    execFileSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, dir]);
    expect(statSync(dir, { bigint: true }).mtimeNs).toBe(ns);
    expect((await repo.readCommit(b)).message).toBe('b\n');
  });

  it('holds a pack once when a listing and an adopt of it load it at the same time', async () => {
    const path = bareRepo();
    const a = commitOn(path, 'one');
    git(path, 'repack', '-q', '-a', '-d');
    const dir = join(path, 'objects', 'pack');
    const name = readdirSync(dir).find((n) => n.endsWith('.pack'))!;
    const packs = new PackSet(nodeFileSystem, dir);
    await Promise.all([packs.refresh(true), packs.adopt(name.slice(0, -'.pack'.length)), packs.refresh(true)]);
    expect((await packs.all()).length).toBe(1);
    expect((await packs.read(a))?.type).toBe('commit');
  });

  it('follows an object whose pack is merged away more than once while it reads (several writers maintaining at once)', async () => {
    const path = bareRepo();
    const a = commitOn(path, 'a');
    git(path, 'repack', '-q', '-a', '-d');
    // the pack file is found gone at the first three opens, as when three merges moved it in turn
    let gone = 3;
    const fs: FileSystem = Object.create(nodeFileSystem, {
      open: { value: async (file: string) => (file.endsWith('.pack') && gone-- > 0 ? undefined : nodeFileSystem.open(file)) },
    });
    const packs = new PackSet(fs, join(path, 'objects', 'pack'));
    const object = await packs.read(a);
    expect(object?.type).toBe('commit');
    expect(gone).toBe(-1);
  });

  it('finds a loose object packed and removed by another process between its look at the packs and at the loose file', async () => {
    const path = bareRepo();
    git(path, 'repack', '-q', '-a', '-d');
    const { FsObjectDatabase } = await import('../lib/git/fs/object-database.js');
    // read(): the packs already searched, git gc packs the loose file and removes it
    const a = commitOn(path, 'a');
    const loose = join(path, 'objects', a.slice(0, 2), a.slice(2));
    expect(statSync(loose).isFile()).toBe(true);
    const forRead = packedAwayOnFirstLook(path, a);
    expect((await new FsObjectDatabase(forRead.fs, join(path, 'objects')).read(a))?.type).toBe('commit');
    expect(forRead.raced()).toBe(1);
    expect(() => statSync(loose)).toThrow();
    // has() the same way
    const b = commitOn(path, 'b');
    const forHas = packedAwayOnFirstLook(path, b);
    expect(await new FsObjectDatabase(forHas.fs, join(path, 'objects')).has(b)).toBe(true);
    expect(forHas.raced()).toBe(1);
  });
});
