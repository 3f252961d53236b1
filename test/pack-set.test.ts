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

describe('merging packs', () => {
  it('copies every entry through reads of at most 8 MiB (a pack is never read whole), deltas and all, into a pack git verifies', async () => {
    const path = bareRepo();
    // a pack larger than the window: 12 incompressible 1 MiB blobs, plus versions of a text that git deltifies
    const blobs: string[] = [];
    for (let i = 0; i < 12; i++) {
      const bytes = Buffer.alloc(1 << 20);
      for (let j = 0; j < bytes.length; j += 4) bytes.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
      blobs.push(execFileSync('git', ['-C', path, 'hash-object', '-w', '--stdin'], { input: bytes }).toString().trim());
    }
    const text = Array.from({ length: 2_000 }, (_, i) => `line ${i}\n`).join('');
    for (let v = 0; v < 5; v++) blobs.push(execFileSync('git', ['-C', path, 'hash-object', '-w', '--stdin'], { input: `${text}version ${v}\n` }).toString().trim());
    // loose and unreachable, so packed by name (repack packs what refs reach)
    execFileSync('git', ['-C', path, 'pack-objects', '-q', 'objects/pack/pack'], { input: blobs.join('\n') + '\n' });
    git(path, 'prune-packed');
    const dir = join(path, 'objects', 'pack');
    expect(git(path, 'verify-pack', '-v', join(dir, readdirSync(dir).find((n) => n.endsWith('.idx'))!))).toMatch(/chain length = 1/);
    commitOn(path, 'small'); // a loose commit made into a second pack
    git(path, 'repack', '-q', '-d');
    const before = git(path, 'cat-file', '--batch-all-objects', '--batch-check').split('\n').sort();
    let largest = 0;
    const fs: FileSystem = Object.create(nodeFileSystem, {
      open: {
        value: async (file: string) => {
          const opened = await nodeFileSystem.open(file);
          if (!opened || !file.endsWith('.pack')) return opened;
          return Object.create(opened, {
            read: { value: (position: number, length: number) => ((largest = Math.max(largest, length)), opened.read(position, length)) },
          });
        },
      },
    });
    const { FsObjectDatabase } = await import('../lib/git/fs/object-database.js');
    const result = await new FsObjectDatabase(fs, join(path, 'objects')).maintain({ full: true });
    expect(result).toEqual({ packsMerged: 2, looseObjectsPacked: 0, packs: 1 });
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(8 << 20);
    expect(git(path, 'cat-file', '--batch-all-objects', '--batch-check').split('\n').sort()).toEqual(before);
    git(path, 'verify-pack', join(dir, readdirSync(dir).find((n) => n.endsWith('.idx'))!));
    git(path, 'fsck', '--strict', '--no-dangling');
    for (const oid of blobs.slice(-5)) expect(git(path, 'cat-file', '-p', oid)).toMatch(/^line 0\n[^]*version \d\n$/);
  }, 60_000);
});
