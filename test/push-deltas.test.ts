// Push speed (issue 10, S4/S5): a folder sent in several versions goes as deltas against the newer
// version sent before it (tree-delta.ts), and the walk sends exactly the objects the remote lacks.
// Proved on what the server stored (its index-pack kept the pack as sent: transfer.unpackLimit 1),
// judged with the git CLI; work is counted, never timed.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta } from '../lib/git/fs/pack-format.js';
import { buildPack, missingObjects } from '../lib/git/fs/pack-send.js';
import { treeDelta } from '../lib/git/fs/tree-delta.js';
import { Repository } from '../lib/git/repository.js';
import { serializeTree, type EntryMode } from '../lib/git/tree.js';
import { Field, MemoryBackend, Model, Workspace } from '../lib/index.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { nodeHttpClient } from '../lib/git/remote/node-http.js';
import { serverPerTest } from './git-server.js';
import { expectFsckClean, git, GIT_ENV, tempDir } from './helpers.js';

class Note extends Model<Note> {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const startServer = serverPerTest();

/** The server's packs' entries as `git verify-pack -v` lists them: oid, type, and the base of a delta. */
function serverEntries(gitdir: string): { oid: string; type: string; base?: string }[] {
  const dir = join(gitdir, 'objects', 'pack');
  const out: { oid: string; type: string; base?: string }[] = [];
  for (const idx of readdirSync(dir).filter((f) => f.endsWith('.idx'))) {
    const listing = execFileSync('git', ['verify-pack', '-v', join(dir, idx)], { env: GIT_ENV }).toString();
    for (const line of listing.split('\n')) {
      const f = line.split(/\s+/);
      if (!/^[0-9a-f]{40}$/.test(f[0] ?? '')) continue;
      out.push({ oid: f[0], type: f[1], ...(f.length >= 7 ? { base: f[6] } : {}) });
    }
  }
  return out;
}

async function notes(ws: Workspace, count: number): Promise<void> {
  await ws.transaction(async () => {
    for (let i = 0; i < count; i++) await new Note({ name: `n${i}`, text: `note ${i}` }).save();
  }, { message: `${count} notes` });
}

/** `commits` commits, each changing three notes (different ones each time). */
async function edits(ws: Workspace, commits: number, count: number): Promise<void> {
  for (let c = 0; c < commits; c++) {
    await ws.transaction(async () => {
      for (let k = 0; k < 3; k++) {
        const note = await Note.get(`n${(c * 3 + k) * 7 % count}`);
        note.text = `edit ${c}.${k}`;
        await note.save();
      }
    }, { message: `edit ${c}` });
  }
}

describe('treeDelta', () => {
  const names = ['a', 'a.b', 'a-b', 'ab', 'b', 'c', 'n1', 'n10', 'n2', 'x/y'.replace('/', '_'), 'é', 'z'];
  const entry = fc.record({ mode: fc.constantFrom<EntryMode>('100644', '40000', '100755'), oid: fc.constantFrom('1'.repeat(40), '2'.repeat(40), 'ab'.repeat(20)) });
  const tree = fc.dictionary(fc.constantFrom(...names), entry);

  it('rebuilds the target from the base exactly, for any two trees (names in git\'s "/"-order too)', () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const base = serializeTree(Object.entries(a));
        const target = serializeTree(Object.entries(b));
        // no size limit: every pair gets a delta, which must rebuild the target byte for byte
        const delta = treeDelta(base, target, target.length * 4 + 64)!;
        expect(delta).toBeDefined();
        expect(Buffer.from(applyDelta(base, delta, 'test')).equals(Buffer.from(target))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('a large folder with a few entries changed, added and removed is a delta of a few hundred bytes; a rewritten one gets none', () => {
    const entries = new Map<string, { mode: EntryMode; oid: string }>();
    for (let i = 0; i < 10_000; i++) entries.set(`page-${i}`, { mode: '40000', oid: (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(5) });
    const base = serializeTree(entries);
    for (const i of [0, 17, 5000, 9999]) entries.set(`page-${i}`, { mode: '40000', oid: 'f'.repeat(40) });
    entries.delete('page-42');
    entries.set('page-new', { mode: '40000', oid: 'e'.repeat(40) });
    const target = serializeTree(entries);
    const delta = treeDelta(base, target)!;
    expect(base.length).toBeGreaterThan(300_000);
    expect(delta.length).toBeLessThan(400);
    expect(Buffer.from(applyDelta(base, delta, 'test')).equals(Buffer.from(target))).toBe(true);
    const rewritten = serializeTree([...entries].map(([name, e]) => [name, { ...e, oid: 'c'.repeat(40) }]));
    expect(treeDelta(base, rewritten)).toBeUndefined();
  });
});

describe('push sends folders as deltas, and only what the remote lacks', () => {
  it('20 commits onto a pushed tip: every older version of the notes folder is a delta on the server; fsck clean; git reads the same', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    // the server keeps the pack as sent (no unpacking into loose objects), so its entries show
    git(join(root, 'server.git'), 'config', 'transfer.unpackLimit', '1');
    const server = await startServer(root);
    const ws = await Workspace.open(join(root, 'src.git'), { author: AUTHOR });
    ws.register(Note);
    await notes(ws, 200);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    await ws.push();
    const pushed = ws.head!;
    await edits(ws, 20, 200);
    await ws.push();

    const serverDir = join(root, 'server.git');
    expectFsckClean(serverDir);
    expect(git(serverDir, 'rev-parse', 'main').trim()).toBe(ws.head);
    // exactly the objects the remote lacked: 20 commits, 20 roots, 20 note folders, 60 note
    // folders and their 60 files
    const lacked = git(join(root, 'src.git'), 'rev-list', '--objects', 'main', `^${pushed}`).trim().split('\n');
    expect(lacked).toHaveLength(180);
    // the server holds the first push (200 notes: files, folders, the notes folder, root,
    // commit) and the lacked objects, each once: nothing was sent twice
    const entries = serverEntries(serverDir);
    expect(entries).toHaveLength(2 * 200 + 3 + lacked.length);
    // the notes folder (200 entries): its newest version whole, the 19 older ones deltas against
    // the version after them
    const folders = git(join(root, 'src.git'), 'log', '--format=%H', `${pushed}..main`).trim().split('\n').map((c) => git(join(root, 'src.git'), 'rev-parse', `${c}:note`).trim());
    const byOid = new Map(entries.map((e) => [e.oid, e]));
    expect(byOid.get(folders[0])!.base).toBeUndefined();
    for (let k = 1; k < folders.length; k++) expect(byOid.get(folders[k])!.base).toBe(folders[k - 1]);
    // git reads every version as gitmodel wrote it
    expect(git(serverDir, 'log', '--format=%H %s', 'main')).toBe(git(join(root, 'src.git'), 'log', '--format=%H %s', 'main'));
    for (const c of [0, 7, 19]) expect(git(serverDir, 'show', `main~${c}:note/n${(c * 3) * 7 % 200}/data.json`)).toBe(git(join(root, 'src.git'), 'show', `main~${c}:note/n${(c * 3) * 7 % 200}/data.json`));
  });

  it('the walk sends each object once and none the remote has; a memory repository sends the same deltas', async () => {
    const root = tempDir();
    const ws = await Workspace.open(join(root, 'src.git'), { author: AUTHOR });
    ws.register(Note);
    await notes(ws, 120);
    const pushed = ws.head!;
    await edits(ws, 10, 120);
    const repo = await Repository.open(join(root, 'src.git'), { create: false });
    const held = new Set(git(join(root, 'src.git'), 'rev-list', '--objects', pushed).trim().split('\n').map((l) => l.slice(0, 40)));
    const base = { roots: [(await repo.readCommit(pushed)).tree], read: (oid: string) => repo.tryReadObject(oid) };
    const objects = await missingObjects(repo, [ws.head!], (oid) => held.has(oid), base);
    const lacked = git(join(root, 'src.git'), 'rev-list', '--objects', 'main', `^${pushed}`).trim().split('\n').map((l) => l.slice(0, 40));
    expect(objects.map((o) => o.oid).sort()).toEqual([...lacked].sort());
    const built = await buildPack(repo, objects);
    expect(built.stats).toMatchObject({ objects: lacked.length, made: 9, deltas: 9 });
    // git takes the pack as it is, onto a repository holding what the remote held
    git(root, 'init', '-q', '--bare', '-b', 'main', 'check.git');
    git(join(root, 'src.git'), 'push', '-q', join(root, 'check.git'), `${pushed}:refs/heads/main`);
    execFileSync('git', ['index-pack', '--strict', '--stdin'], { cwd: join(root, 'check.git'), env: GIT_ENV, input: Buffer.concat(built.parts) });
    git(join(root, 'check.git'), 'update-ref', 'refs/heads/main', ws.head!);
    expectFsckClean(join(root, 'check.git'));

    // the same history in memory (no stored entries): the same folders go as deltas
    const memory = await Workspace.open(new MemoryBackend(), { author: AUTHOR });
    await memory.remotes.add('origin', join(root, 'src.git'));
    await memory.fetch();
    const memRepo = memory.repo;
    const memObjects = await missingObjects(memRepo, [ws.head!], (oid) => held.has(oid), { roots: base.roots, read: (oid) => memRepo.tryReadObject(oid) });
    expect((await buildPack(memRepo, memObjects)).stats).toMatchObject({ objects: lacked.length, made: 9 });
  });

  it('a server that asks for credentials only on the push POST: onAuth is asked and the pack sent again (collected, not streamed, while no credentials were accepted)', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    const server = await startServer(root);
    const inner = nodeHttpClient();
    let refused = 0;
    // anonymous reads, a 401 for a receive-pack POST without Authorization (as a forge does)
    const http: HttpClient = {
      async request(req) {
        if (req.url.endsWith('/git-receive-pack') && !req.headers?.authorization) {
          refused++;
          return { url: req.url, method: 'POST', statusCode: 401, statusMessage: 'Unauthorized', headers: { 'www-authenticate': 'Basic realm="git"' }, body: (async function* () {})() };
        }
        return inner.request(req);
      },
    };
    const ws = await Workspace.open(join(root, 'src.git'), { author: AUTHOR });
    ws.register(Note);
    await notes(ws, 30);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const asked: number[] = [];
    try {
      await ws.push({ http, onAuth: (_url, { attempt }) => (asked.push(attempt), { username: 'ada', password: 'secret' }) });
    } finally {
      inner.close();
    }
    expect(refused).toBe(1);
    expect(asked).toEqual([1]);
    expect(git(join(root, 'server.git'), 'rev-parse', 'main').trim()).toBe(ws.head);
    expectFsckClean(join(root, 'server.git'));
  });
});

