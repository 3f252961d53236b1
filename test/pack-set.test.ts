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

describe('PackSet', () => {
  it('finds a pack added in the same mtime tick as its last listing', async () => {
    const path = newRepoPath();
    git(join(path, '..'), 'init', '-q', '--bare', path);
    const a = git(path, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'a').trim();
    git(path, 'update-ref', 'refs/heads/a', a);
    git(path, 'repack', '-q', '-a', '-d');
    const repo = await Repository.open(path);
    expect((await repo.readCommit(a)).message).toBe('a\n');
    const dir = join(path, 'objects', 'pack');
    const before = statSync(dir, { bigint: true });
    // another writer adds a pack; the directory's mtime is put back as if in the same tick
    const b = git(path, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'b').trim();
    git(path, 'update-ref', 'refs/heads/b', b);
    git(path, 'repack', '-q', '-d');
    expect(readdirSync(dir).filter((n) => n.endsWith('.pack'))).toHaveLength(2);
    const ns = before.mtimeNs;
    execFileSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, dir]);
    expect(statSync(dir, { bigint: true }).mtimeNs).toBe(ns);
    expect((await repo.readCommit(b)).message).toBe('b\n');
  });

  it('follows an object whose pack is merged away more than once while it reads (several writers maintaining at once)', async () => {
    const path = newRepoPath();
    git(join(path, '..'), 'init', '-q', '--bare', path);
    const a = git(path, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'a').trim();
    git(path, 'update-ref', 'refs/heads/a', a);
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
    const path = newRepoPath();
    git(join(path, '..'), 'init', '-q', '--bare', path);
    git(path, 'repack', '-q', '-a', '-d');
    const a = git(path, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'a').trim();
    git(path, 'update-ref', 'refs/heads/a', a);
    const loose = join(path, 'objects', a.slice(0, 2), a.slice(2));
    expect(statSync(loose).isFile()).toBe(true);
    // the moment the loose file is read (the packs already searched), git gc packs it and removes it
    let raced = 0;
    const fs: FileSystem = Object.create(nodeFileSystem, {
      readFile: { value: async (file: string) => (file === loose && raced++ === 0 && git(path, 'repack', '-q', '-a', '-d'), nodeFileSystem.readFile(file)) },
      stat: { value: async (file: string) => (file === loose && raced++ === 0 && git(path, 'repack', '-q', '-a', '-d'), nodeFileSystem.stat(file)) },
    });
    const { FsObjectDatabase } = await import('../lib/git/fs/object-database.js');
    const read = new FsObjectDatabase(fs, join(path, 'objects'));
    expect((await read.read(a))?.type).toBe('commit');
    expect(raced).toBe(1);
    expect(() => statSync(loose)).toThrow();
    // has() the same way
    git(path, 'update-ref', 'refs/heads/b', git(path, 'commit-tree', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', '-m', 'b').trim());
    const b = git(path, 'rev-parse', 'refs/heads/b').trim();
    const looseB = join(path, 'objects', b.slice(0, 2), b.slice(2));
    let racedB = 0;
    const fsB: FileSystem = Object.create(nodeFileSystem, {
      stat: { value: async (file: string) => (file === looseB && racedB++ === 0 && git(path, 'repack', '-q', '-a', '-d'), nodeFileSystem.stat(file)) },
    });
    expect(await new FsObjectDatabase(fsB, join(path, 'objects')).has(b)).toBe(true);
    expect(racedB).toBe(1);
  });
});
