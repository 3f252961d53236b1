// A fetched pack streams to objects/pack/tmp_pack_* as it arrives and is indexed from that file
// through a bounded window: the memory a fetch holds follows the work (entries, window, base
// cache), not the pack's size. Checked by counting what the file system sees, never by timing.
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RemoteUnreachableError, Workspace } from '../lib/index.js';
import { GitDirBackend } from '../lib/git/fs/git-dir-backend.js';
import { nodeFileSystem } from '../lib/git/fs/node-fs.js';
import type { FileSystem } from '../lib/git/ports.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { nodeHttpClient } from '../lib/git/remote/node-http.js';
import { serverPerTest } from './git-server.js';
import { expectFsckClean, git, newRepoPath, rejected, tempDir } from './helpers.js';

const serve = serverPerTest();

/** root/server.git: `files` incompressible 16 KiB files in one commit (a pack of ~files × 16 KiB). */
function serverRepo(files: number): { root: string; bare: string } {
  const root = tempDir();
  git(root, 'init', '-q', '-b', 'main', 'work');
  const work = join(root, 'work');
  for (let i = 0; i < files; i++) writeFileSync(join(work, `f${i}.bin`), randomBytes(16 * 1024));
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'random files');
  git(root, 'clone', '-q', '--bare', 'work', 'server.git');
  return { root, bare: join(root, 'server.git') };
}

/** What a fetch does to the file system and when, against the pack's arrival. */
interface Watch {
  events: string[];
  /** bytes written to tmp_pack_* files, and the largest single write */
  written: number;
  largestWrite: number;
  /** the largest single read from any pack file */
  largestRead: number;
  tmpCreated: string[];
}

function watched(): { fs: FileSystem; watch: Watch } {
  const watch: Watch = { events: [], written: 0, largestWrite: 0, largestRead: 0, tmpCreated: [] };
  const fs: FileSystem = {
    ...nodeFileSystem,
    async createFile(path, options) {
      const file = await nodeFileSystem.createFile(path, options);
      if (!file || !/\/tmp_pack_/.test(path)) return file;
      watch.tmpCreated.push(path);
      return {
        write(bytes) {
          if (watch.events.at(-1) !== 'write') watch.events.push('write');
          watch.written += bytes.length;
          watch.largestWrite = Math.max(watch.largestWrite, bytes.length);
          file.write(bytes);
        },
        close: (durable) => file.close(durable),
        abort: () => file.abort(),
      };
    },
    async open(path) {
      const file = await nodeFileSystem.open(path);
      if (!file || !/\.pack$|\/tmp_pack_/.test(path)) return file;
      return {
        read(position, length) {
          watch.largestRead = Math.max(watch.largestRead, length);
          return file.read(position, length);
        },
        size: () => file.size(),
        close: () => file.close(),
      };
    },
  };
  return { fs, watch };
}

/** nodeHttpClient, logging each chunk of an upload-pack response as it is handed on. */
function logging(watch: Watch): HttpClient {
  const inner = nodeHttpClient();
  return {
    async request(req) {
      const res = await inner.request(req);
      if (!req.url.endsWith('/git-upload-pack')) return res;
      const body = res.body;
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body ?? []) {
            if (watch.events.at(-1) !== 'chunk') watch.events.push('chunk');
            yield chunk;
          }
          watch.events.push('end');
        })(),
      };
    },
  };
}

function tmpFiles(path: string): string[] {
  return readdirSync(join(path, 'objects', 'pack')).filter((f) => f.startsWith('tmp_'));
}

async function workspaceOn(fs: FileSystem): Promise<{ path: string; ws: Workspace }> {
  const path = newRepoPath();
  await Workspace.open(path);
  return { path, ws: await Workspace.open(new GitDirBackend(fs, { gitdir: path, commondir: path })) };
}

describe('a fetched pack streams to a file and is indexed from it', () => {
  it('written as it arrives, read back through a bounded window, renamed into place; refs moved after', async () => {
    const { root, bare } = serverRepo(400);
    const server = await serve(root);
    const { fs, watch } = watched();
    const { path, ws } = await workspaceOn(fs);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const result = await ws.fetch({ http: logging(watch) });

    expect(result.objects).toBe(402);
    // the pack is over 6 MiB: it went to the file in pieces as they came, the first before the
    // last piece arrived, and was never read back whole
    expect(result.bytes).toBeGreaterThan(6 << 20);
    expect(watch.written).toBe(result.bytes);
    expect(watch.largestWrite).toBeLessThanOrEqual(65520);
    expect(watch.events.indexOf('write')).toBeLessThan(watch.events.lastIndexOf('chunk'));
    expect(watch.largestRead).toBeLessThanOrEqual(1 << 20);
    expect(watch.largestRead).toBeLessThan(result.bytes / 6);
    // one temporary file, renamed to the pack git names by its checksum
    expect(watch.tmpCreated).toHaveLength(1);
    expect(tmpFiles(path)).toEqual([]);
    expect(git(path, 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(git(bare, 'rev-parse', 'main').trim());
    expectFsckClean(path);
    const packs = readdirSync(join(path, 'objects', 'pack')).filter((f) => f.endsWith('.pack'));
    expect(packs).toHaveLength(1);
    expect(git(join(path, 'objects', 'pack'), 'verify-pack', packs[0].replace(/\.pack$/, '.idx'))).toBe('');
  }, 60_000);

  it('a connection cut mid-pack removes the temporary file and moves no ref', async () => {
    const { root } = serverRepo(200);
    const server = await serve(root, { cutAfter: 1_500_000 });
    const { fs, watch } = watched();
    const { path, ws } = await workspaceOn(fs);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const error = await rejected(ws.fetch());
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    // the pack had started to stream to its file, which is gone again
    expect(watch.tmpCreated).toHaveLength(1);
    expect(watch.written).toBeGreaterThan(1_000_000);
    expect(tmpFiles(path)).toEqual([]);
    expect(git(path, 'for-each-ref').trim()).toBe('');
    expect(git(path, 'count-objects', '-v')).toMatch(/in-pack: 0/);
    expectFsckClean(path);
  }, 60_000);
});
