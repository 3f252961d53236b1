// ObjectDatabase.readMany (an index build's bulk read) reads a pack front to back through a
// window of large reads: the same objects as one read each, in far fewer reads of the file.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../lib/index.js'; // installs the Node platform
import { CorruptObjectError } from '../lib/errors.js';
import { FsObjectDatabase } from '../lib/git/fs/object-database.js';
import { installPlatform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import type { Platform } from '../lib/platform/platform.js';
import { nodeFileSystem } from '../lib/index.js';
import type { FileSystem, RandomAccessFile } from '../lib/git/ports.js';
import { git, gitWith, newRepoPath } from './helpers.js';

/** The node file system, counting positional reads of pack files. */
function countingReads(): { fs: FileSystem; reads(): number } {
  let reads = 0;
  const fs: FileSystem = Object.create(nodeFileSystem, {
    open: {
      value: async (file: string) => {
        const opened = await nodeFileSystem.open(file);
        if (!opened) return opened;
        return {
          read: (position: number, length: number) => (reads++, opened.read(position, length)),
          size: () => opened.size(),
          close: () => opened.close(),
        } satisfies RandomAccessFile;
      },
    },
  });
  return { fs, reads: () => reads };
}

/** A bare repository of `contents` as blobs in one pack (deltas allowed or not); their oids. */
function packed(contents: Buffer[], deltas: boolean): { path: string; oids: string[] } {
  const path = newRepoPath();
  git(join(path, '..'), 'init', '-q', '--bare', path);
  gitWith(path, { input: Buffer.concat(contents.map((c) => Buffer.concat([Buffer.from(`blob\ndata ${c.length}\n`), c, Buffer.from('\n')]))) }, 'fast-import', '--quiet');
  const oids = contents.map((c) => createHash('sha1').update(`blob ${c.length}\0`).update(c).digest('hex'));
  // named by a tree on a branch, so the repack keeps them
  const tree = gitWith(path, { input: oids.map((oid, i) => `100644 blob ${oid}\tf${i}\n`).join('') }, 'mktree').trim();
  git(path, 'update-ref', 'refs/heads/main', git(path, 'commit-tree', tree, '-m', 'blobs').trim());
  git(path, 'repack', '-q', '-a', '-d', '-f', ...(deltas ? [] : ['--window=0']));
  return { path, oids };
}

/** Small data files (most of a build), a few larger than one first read, one larger than the window. */
function contents(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 3000; i++) out.push(Buffer.from(`{\n  "slug": "page-${i}",\n  "body": "${randomBytes(200 + (i % 300)).toString('base64')}"\n}\n`));
  for (let i = 0; i < 5; i++) out.push(randomBytes(10_000 * (i + 1)));
  out.push(randomBytes(1_500_000));
  // similar texts, so a repack with deltas stores some as deltas of others
  for (let i = 0; i < 50; i++) out.push(Buffer.from(`${'shared line of text\n'.repeat(200)}variant ${i}\n`));
  return out;
}

describe('readMany', () => {
  for (const deltas of [false, true]) {
    it(`reads every object as read() does, in a few large reads of the pack${deltas ? ' (with deltas)' : ''}`, async () => {
      const data = contents();
      const { path, oids } = packed(data, deltas);
      const { fs, reads } = countingReads();
      const db = new FsObjectDatabase(fs, join(path, 'objects'));
      const missing = '0123456789012345678901234567890123456789';
      // asked in no particular order; an oid nobody has is left out
      const asked = [...oids].reverse();
      asked.splice(7, 0, missing);
      const before = reads();
      const found = await db.readMany(asked);
      const bulkReads = reads() - before;
      expect(found.has(missing)).toBe(false);
      expect(found.size).toBe(oids.length);
      expect(oids.filter((oid, i) => found.get(oid)?.type !== 'blob' || !Buffer.from(found.get(oid)!.content).equals(data[i]))).toEqual([]);
      // one read per MiB of pack and per large or delta entry, not one per object
      const dir = join(path, 'objects', 'pack');
      const packBytes = readdirSync(dir).filter((n) => n.endsWith('.pack')).reduce((t, n) => t + statSync(join(dir, n)).size, 0);
      expect(bulkReads).toBeLessThanOrEqual(Math.ceil(packBytes / (1 << 20)) + 2 * 6 + (deltas ? 2 * 50 : 0) + 2);
      expect(bulkReads).toBeLessThan(oids.length / 20);
      // one at a time: the same objects
      for (const oid of [oids[0], oids[2999], oids[3005], oids.at(-1)!]) expect(Buffer.from((await db.read(oid))!.content).equals(found.get(oid)!.content)).toBe(true);
    });
  }

  it('inflates entries of 256 bytes or more on the platform\'s worker, smaller ones and deltas here; without a worker (a browser) the same objects', async () => {
    const data = contents();
    const { path, oids } = packed(data, true);
    const sent: number[] = [];
    const counting: Platform = {
      ...nodePlatform,
      inflateMany: (bytes, starts, sizes) => (sent.push(...sizes), nodePlatform.inflateMany!(bytes, starts, sizes)),
    };
    const withoutWorker: Platform = { ...nodePlatform, inflateMany: undefined };
    try {
      installPlatform(counting);
      const offThread = await new FsObjectDatabase(nodeFileSystem, join(path, 'objects')).readMany(oids);
      installPlatform(withoutWorker);
      const here = await new FsObjectDatabase(nodeFileSystem, join(path, 'objects')).readMany(oids);
      expect(offThread.size).toBe(oids.length);
      expect(oids.filter((oid, i) => !Buffer.from(offThread.get(oid)!.content).equals(data[i]) || !Buffer.from(here.get(oid)!.content).equals(data[i]))).toEqual([]);
      // every whole entry of 256 bytes or more went to the worker, nothing smaller, once each
      expect(sent.length).toBeGreaterThan(2900);
      expect(sent.every((size) => size >= 256)).toBe(true);
      const sizes = data.map((d) => d.length).filter((n) => n >= 256);
      expect(sent.length).toBeLessThanOrEqual(sizes.length);
    } finally {
      installPlatform(nodePlatform);
    }
  });

  it('a damaged entry read in bulk fails with the CorruptObjectError its single read gives; nothing else is lost', async () => {
    const data = contents();
    const { path, oids } = packed(data, false);
    const victim = oids[1234];
    const db = new FsObjectDatabase(nodeFileSystem, join(path, 'objects'));
    const at = (await db.packs.locate(victim))!;
    const packFile = readdirSync(join(path, 'objects', 'pack')).find((n) => n.endsWith('.pack'))!;
    const file = join(path, 'objects', 'pack', packFile);
    // a byte in the middle of its deflate data: the stream no longer inflates to its bytes (Adler-32)
    const bytes = readFileSync(file);
    bytes[at.offset + 60] ^= 0xff;
    writeFileSync(file, bytes);
    const fresh = () => new FsObjectDatabase(nodeFileSystem, join(path, 'objects'));
    const single = await fresh().read(victim).then(() => undefined, (error: unknown) => error);
    expect(single).toBeInstanceOf(CorruptObjectError);
    const bulk = await fresh().readMany(oids).then(() => undefined, (error: unknown) => error);
    expect(bulk).toBeInstanceOf(CorruptObjectError);
    expect((bulk as CorruptObjectError).message).toBe((single as CorruptObjectError).message);
    // the other objects still read, in bulk too
    const rest = await fresh().readMany(oids.filter((oid) => oid !== victim));
    expect(rest.size).toBe(oids.length - 1);
  });
});
