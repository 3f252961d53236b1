// How objects move (issue 10, "Speed"): the platform's inflateAt says where a zlib stream ends (one
// inflate per received entry), small streams decoded by lib/util/inflate.ts exactly as zlib does;
// a push or a local copy sends stored pack entries as they are (nothing deflated, nothing hashed
// again), deltas only against bases inside the pack (never REF_DELTA: git's index-pack dies on
// one whose base the server already has). Work is counted through the platform, never timed.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptObjectError } from '../lib/errors.js';
import { buildPack } from '../lib/git/fs/pack-send.js';
import { Repository } from '../lib/git/repository.js';
import { decodeEntryHeader, OFS_DELTA, REF_DELTA } from '../lib/git/fs/pack-format.js';
import { installPlatform, platform } from '../lib/platform/current.js';
import { nodePlatform } from '../lib/platform/node.js';
import type { Platform } from '../lib/platform/platform.js';
import { inflateZlib, InflateError } from '../lib/util/inflate.js';
import { forEachTreeOid, serializeTree, type EntryMode } from '../lib/git/tree.js';
import { Field, Model, Workspace } from '../lib/index.js';
import { startGitServer, type GitServer } from './git-server.js';
import { caught, expectFsckClean, git, GIT_ENV, tempDir } from './helpers.js';

class Doc extends Model<Doc> {
  @Field({ id: true }) name!: string;
  @Field() text: string = '';
}

const AUTHOR = { name: 'Ada', email: 'ada@example.com' };
const servers: GitServer[] = [];
afterEach(async () => {
  installPlatform(nodePlatform);
  while (servers.length) await servers.pop()!.stop();
});

/** Installs a platform that counts deflates and object hashes (sha1 of whole objects). */
function counting(): { deflates: number; sha1s: number; inflates: number } {
  const counts = { deflates: 0, sha1s: 0, inflates: 0 };
  const counted: Platform = {
    ...nodePlatform,
    inflate: (data, size) => (counts.inflates++, nodePlatform.inflate(data, size)),
    inflateAt: (data, offset, size, where) => (counts.inflates++, nodePlatform.inflateAt(data, offset, size, where)),
    deflate: (data, level) => (counts.deflates++, nodePlatform.deflate(data, level)),
    sha1: (...parts) => (counts.sha1s++, nodePlatform.sha1(...parts)),
  };
  installPlatform(counted);
  return counts;
}

async function docs(path: string, count: number, from = 0): Promise<Workspace> {
  const ws = await Workspace.open(path, { author: AUTHOR });
  ws.register(Doc);
  await ws.transaction(async () => {
    for (let i = from; i < from + count; i++) await new Doc({ name: `d${i}`, text: `doc ${i} `.repeat(20) }).save();
  }, { message: `docs ${from}..${from + count}` });
  return ws;
}

describe('platform inflateAt', () => {
  const noise = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
  const framed = (z: Uint8Array) => new Uint8Array([...noise, ...z, ...noise]);

  it('inflates the stream at an offset and reports its compressed length, small (JavaScript) and large (zlib)', () => {
    for (const size of [0, 1, 300, 5_000, 16 * 1024, 200_000]) {
      const raw = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
      for (const level of [0, 1, 9]) {
        const z = new Uint8Array(deflateSync(raw, { level }));
        for (const given of [size, undefined]) {
          const out = platform().inflateAt(framed(z), noise.length, given);
          expect(out.consumed, `size ${size} level ${level}`).toBe(z.length);
          expect(Buffer.from(out.data).equals(Buffer.from(raw))).toBe(true);
        }
      }
    }
  });

  it('a damaged, cut or mis-sized stream is CorruptObjectError naming where, on both paths', () => {
    for (const size of [200, 100_000]) {
      const raw = new Uint8Array(size).map((_, i) => (i * 31) % 97);
      const z = new Uint8Array(deflateSync(raw));
      const flipped = z.slice();
      flipped[z.length - 2] ^= 0x40; // inside the Adler-32
      for (const [bytes, label] of [[flipped, 'flipped'], [z.subarray(0, z.length - 5), 'cut'], [new Uint8Array([0x78, 0x9c, 0xff, 0xff]), 'garbage']] as const) {
        const error = caught(() => platform().inflateAt(bytes, 0, size, 'pack@12'));
        expect(error, `${label} ${size}`).toBeInstanceOf(CorruptObjectError);
        expect((error as CorruptObjectError).code).toBe('CORRUPT_OBJECT');
        expect((error as Error).message).toContain('pack@12');
      }
      expect(caught(() => platform().inflateAt(z, 0, size + 1))).toBeInstanceOf(CorruptObjectError);
    }
  });

  it('lib/util/inflate.ts agrees with zlib on any input, level, window and trailing bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s.repeat(3)))),
        fc.constantFrom(0, 1, 5, 9),
        fc.constantFrom(9, 12, 15),
        fc.uint8Array({ maxLength: 8 }),
        (raw, level, windowBits, tail) => {
          const z = new Uint8Array(deflateSync(raw, { level, windowBits }));
          const out = inflateZlib(new Uint8Array([...z, ...tail]), 0, raw.length);
          expect(out.consumed).toBe(z.length);
          expect(Buffer.from(out.data).equals(Buffer.from(raw))).toBe(true);
          const cut = caught(() => inflateZlib(z.subarray(0, z.length - 1), 0));
          expect(cut).toBeInstanceOf(InflateError);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('forEachTreeOid against a reference version', () => {
  it('visits exactly the entries not byte-identical in the reference (names with "/"-order edge cases)', () => {
    const names = ['a', 'a.b', 'a-b', 'ab', 'b', 'a0', 'z', 'é', 'ax'];
    const entry = fc.record({ mode: fc.constantFrom<EntryMode>('100644', '40000', '100755'), oid: fc.constantFrom('1'.repeat(40), '2'.repeat(40), 'a'.repeat(40)) });
    const tree = fc.dictionary(fc.constantFrom(...names), entry);
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const visited: string[] = [];
        const content = serializeTree(Object.entries(b));
        forEachTreeOid(content, 't', (oid, mode, start, end) => visited.push(`${mode} ${new TextDecoder().decode(content.subarray(start, end))} ${oid}`), serializeTree(Object.entries(a)));
        const same = (n: string) => a[n] !== undefined && a[n].mode === b[n].mode && a[n].oid === b[n].oid;
        const expected = Object.keys(b).filter((n) => !same(n)).map((n) => `${b[n].mode} ${n} ${b[n].oid}`);
        expect(visited.sort()).toEqual(expected.sort());
      }),
      { numRuns: 500 },
    );
  });
});

describe('pushes and local copies send stored entries', () => {
  it('a push over HTTP deflates nothing and hashes no object; git accepts the pack and fsck is clean', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', '-b', 'main', 'server.git');
    const server = await startGitServer(root);
    servers.push(server);
    const ws = await docs(join(root, 'src.git'), 300);
    await ws.remotes.add('origin', `${server.url}/server.git`);
    const counts = counting();
    const result = await ws.push();
    installPlatform(nodePlatform);
    expect(result.updated.map((u) => u.ref)).toEqual(['refs/heads/main']);
    expect(counts.deflates).toBe(0);
    expect(counts.sha1s).toBe(0);
    expectFsckClean(join(root, 'server.git'));
    expect(git(join(root, 'server.git'), 'rev-list', '--objects', '--all').trim().split('\n')).toHaveLength(603);

    // three docs changed: the walk compares each folder with the server's tip, reading the
    // changed folders only, never the 300 unchanged doc folders of the server's tree
    await ws.transaction(async () => {
      for (const i of [3, 150, 299]) {
        const doc = await Doc.get(`d${i}`);
        doc.text = 'changed';
        await doc.save();
      }
    }, { message: 'three changed' });
    const again = counting();
    await ws.push();
    installPlatform(nodePlatform);
    expect(again.inflates).toBeLessThan(20);
    expect(again.deflates).toBe(0);
    expectFsckClean(join(root, 'server.git'));
    expect(git(join(root, 'server.git'), 'rev-parse', 'main').trim()).toBe(ws.head);
  });

  it('a push of objects the server already holds unreachable (a retried push) is accepted: no REF_DELTA in the pack', async () => {
    // the source holds git-made deltas: a repository fetched from a pack git compressed
    const root = tempDir();
    git(root, 'init', '-q', '-b', 'main', 'work');
    const work = join(root, 'work');
    for (let i = 0; i < 6; i++) {
      writeFileSync(join(work, 'big.txt'), Array.from({ length: 400 }, (_, k) => `line ${k} ${k === i * 50 ? 'changed' : ''}`).join('\n'));
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', `v${i}`);
    }
    git(work, 'gc', '-q', '--aggressive');
    git(root, 'clone', '-q', '--bare', 'work', 'origin.git');
    const server = await startGitServer(root);
    servers.push(server);
    const ws = await Workspace.open(join(root, 'mine.git'), { author: AUTHOR });
    await ws.remotes.add('origin', `${server.url}/origin.git`);
    await ws.fetch();
    const tip = git(join(root, 'origin.git'), 'rev-parse', 'main').trim();

    const repo = await Repository.open(join(root, 'mine.git'), { create: false });
    // git's own order: newest first, so its delta bases (the newer versions) come first
    const all = git(join(root, 'origin.git'), 'rev-list', '--objects', 'main').trim().split('\n').map((l) => ({ oid: l.slice(0, 40) }));
    const built = await buildPack(repo, all);
    // entries copied as stored, deltas kept only against a base earlier in the pack
    expect(built.stats.deflated + built.stats.copied).toBe(all.length);
    expect(built.stats.deltas).toBeGreaterThan(0);
    const pack = Buffer.concat(built.parts);
    for (const { offset } of built.index) expect(decodeEntryHeader(pack.subarray(offset, offset + 32), 'test').type).not.toBe(REF_DELTA);
    const deltas = built.index.filter(({ offset }) => decodeEntryHeader(pack.subarray(offset, offset + 32), 'test').type === OFS_DELTA);
    expect(deltas).toHaveLength(built.stats.deltas);
    // git reads the pack as it is
    execFileSync('git', ['index-pack', '--strict', '--stdin', '--fix-thin'], { cwd: join(root, 'origin.git'), env: GIT_ENV, input: pack });

    // the server holds every object, no ref names them: the push sends them all again
    git(root, 'init', '-q', '--bare', '-b', 'main', 'target.git');
    execFileSync('git', ['index-pack', '--stdin', '--keep'], { cwd: join(root, 'target.git'), env: GIT_ENV, input: pack });
    await ws.remotes.add('target', `${server.url}/target.git`);
    await ws.push({ remote: 'target', refs: [`refs/remotes/origin/main:refs/heads/main`] });
    expect(git(join(root, 'target.git'), 'rev-parse', 'main').trim()).toBe(tip);
    expectFsckClean(join(root, 'target.git'));
  });

  it('a local fetch and a local push copy entries: nothing deflated, no object hashed; fsck clean on both ends', async () => {
    const root = tempDir();
    const src = await docs(join(root, 'src.git'), 200);
    git(root, 'init', '-q', '--bare', '-b', 'main', 'bare.git');
    await src.remotes.add('bare', join(root, 'bare.git'));
    const dst = await Workspace.open(join(root, 'dst.git'), { author: AUTHOR });
    await dst.remotes.add('origin', join(root, 'bare.git'));
    const counts = counting();
    await src.push({ remote: 'bare' });
    const fetched = await dst.fetch();
    installPlatform(nodePlatform);
    expect(fetched.objects).toBe(403);
    expect(counts).toMatchObject({ deflates: 0, sha1s: 0 });
    expectFsckClean(join(root, 'bare.git'));
    expectFsckClean(join(root, 'dst.git'));
    expect(git(join(root, 'dst.git'), 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(src.head);
  });
});
