// The smart-HTTP protocol (lib/git/remote/smart-http.ts, pack-receive.ts) against the real
// `git http-backend` on 127.0.0.1 (test/git-server.ts, its own process), over our Node client.
// What the server sends is checked by git itself: a fetched pack must pass `git index-pack` and
// `git fsck` in a scratch repository; a pushed branch must show in `git log` on the server.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PushRejectedError,
  RemoteAuthError,
  RemoteNotFoundError,
  RemoteProtocolError,
  RemoteUnreachableError,
} from '../lib/git/remote/errors.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { nodeHttpClient, type NodeHttpClient } from '../lib/git/remote/node-http.js';
import { receivePack, type PackSink, type ReceivedPack } from '../lib/git/remote/pack-receive.js';
import { ZERO_OID } from '../lib/git/remote/advertisement.js';
import { SmartHttpRemote, type RemoteProgress, type SmartHttpOptions } from '../lib/git/remote/smart-http.js';
import { losingReceivePackReports, startGitServer, type GitServer } from './git-server.js';
import { GIT_ENV, expectFsckClean, git, tempDir } from './helpers.js';

const sha1 = () => {
  const h = createHash('sha1');
  return { update: (d: Uint8Array) => void h.update(d), digest: () => new Uint8Array(h.digest()) };
};

const clients: NodeHttpClient[] = [];
const servers: GitServer[] = [];
afterEach(async () => {
  while (clients.length) clients.pop()!.close();
  while (servers.length) await servers.pop()!.stop();
});

function http(): NodeHttpClient {
  const client = nodeHttpClient();
  clients.push(client);
  return client;
}

async function serve(root: string, options: Parameters<typeof startGitServer>[1] = {}): Promise<GitServer> {
  const server = await startGitServer(root, options);
  servers.push(server);
  return server;
}

function remote(url: string, options: Partial<SmartHttpOptions> = {}): SmartHttpRemote {
  return new SmartHttpRemote({ url, http: options.http ?? http(), ...options });
}

/**
 * root/remote.git with main (3 commits), feature (1 more), an annotated and a lightweight tag,
 * a checkpoint ref; root/work is the repository it was pushed from.
 */
function fixture(): { root: string; work: string; bare: string } {
  const root = tempDir();
  git(root, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
  git(root, 'init', '-q', '-b', 'main', 'work');
  const work = join(root, 'work');
  for (const n of [1, 2, 3]) {
    git(work, 'commit', '-q', '--allow-empty', '-m', `c${n}`);
  }
  execFileSync('sh', ['-c', 'mkdir -p page && for i in $(seq 1 40); do printf "{\\n  \\"n\\": $i\\n}\\n" > page/p$i.json; done && git add page && git commit -q -m pages'], { cwd: work, env: GIT_ENV });
  git(work, 'tag', '-a', '-m', 'version one', 'v1');
  git(work, 'tag', 'light', 'HEAD~1');
  git(work, 'checkout', '-q', '-b', 'feature');
  git(work, 'commit', '-q', '--allow-empty', '-m', 'feature work');
  git(work, 'checkout', '-q', 'main');
  git(work, 'update-ref', 'refs/checkpoints/before', 'HEAD~2');
  const bare = join(root, 'remote.git');
  git(work, 'push', '-q', bare, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*', 'refs/checkpoints/*:refs/checkpoints/*');
  return { root, work, bare };
}

/** `git ls-remote` of a path as a name → oid map. */
function lsRemote(path: string): Map<string, string> {
  const out = git(path, 'ls-remote', '.').trim();
  return new Map(out ? out.split('\n').map((l) => [l.split('\t')[1], l.split('\t')[0]] as [string, string]) : []);
}

/** A sink that keeps the pack in memory (copies: received chunks are views). */
function memorySink(): PackSink & { bytes(): Uint8Array; closed?: ReceivedPack; aborted?: unknown } {
  const parts: Uint8Array[] = [];
  const sink = {
    closed: undefined as ReceivedPack | undefined,
    aborted: undefined as unknown,
    write: (chunk: Uint8Array) => void parts.push(chunk.slice()),
    close: (r: ReceivedPack) => void (sink.closed = r),
    abort: (e: unknown) => void (sink.aborted = e ?? 'aborted'),
    bytes: () => Buffer.concat(parts),
  };
  return sink;
}

/** A bare scratch repository that indexes `pack` with `git index-pack --stdin`; returns its path. */
function indexInScratch(pack: Uint8Array, refs: Map<string, string> = new Map()): string {
  const dir = join(tempDir(), 'scratch.git');
  git(join(dir, '..'), 'init', '-q', '--bare', 'scratch.git');
  execFileSync('git', ['index-pack', '--stdin', '--strict'], { cwd: dir, env: GIT_ENV, input: pack, stdio: ['pipe', 'pipe', 'pipe'] });
  for (const [name, oid] of refs) if (name.startsWith('refs/')) git(dir, 'update-ref', name, oid);
  return dir;
}

describe('discovery', () => {
  it('reads the refs, peeled tags, HEAD symref and capabilities of upload-pack, as ls-remote lists them', async () => {
    const { root, bare } = fixture();
    const server = await serve(root);
    const adv = await remote(`${server.url}/remote.git`).discover('git-upload-pack');
    const expected = lsRemote(bare);
    const ours = new Map([...adv.refs, ...[...adv.peeled].map(([n, o]) => [`${n}^{}`, o] as [string, string])]);
    expect(ours).toEqual(expected);
    expect(adv.peeled.get('refs/tags/v1')).toBe(expected.get('refs/heads/main'));
    expect(adv.peeled.has('refs/tags/light')).toBe(false);
    expect(adv.symrefs.get('HEAD')).toBe('refs/heads/main');
    for (const c of ['side-band-64k', 'ofs-delta', 'no-progress', 'agent']) expect(adv.capabilities.has(c), c).toBe(true);
    expect(adv.capabilities.get('agent')).toMatch(/^git\//);
  });

  it('reads receive-pack refs and capabilities', async () => {
    const { root, bare } = fixture();
    const server = await serve(root);
    const adv = await remote(`${server.url}/remote.git`).discover('git-receive-pack');
    const expected = [...lsRemote(bare)].filter(([n]) => n.startsWith('refs/') && !n.endsWith('^{}'));
    expect([...adv.refs].sort()).toEqual(expected.sort());
    for (const c of ['report-status', 'delete-refs', 'side-band-64k', 'atomic', 'ofs-delta']) expect(adv.capabilities.has(c), c).toBe(true);
  });

  it('an empty repository: no refs; receive-pack sends capabilities^{} (upload-pack, in git 2.39, nothing at all)', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', 'empty.git');
    const server = await serve(root);
    const r = remote(`${server.url}/empty.git`);
    const upload = await r.discover('git-upload-pack');
    expect(upload.refs.size).toBe(0);
    expect(upload.capabilities.size).toBe(0);
    const receive = await r.discover('git-receive-pack');
    expect(receive.refs.size).toBe(0);
    expect(receive.peeled.size).toBe(0);
    for (const c of ['report-status', 'delete-refs', 'side-band-64k', 'atomic']) expect(receive.capabilities.has(c), c).toBe(true);
  });

  it('pushes into an empty repository', async () => {
    const root = tempDir();
    git(root, 'init', '-q', '--bare', 'empty.git');
    const { work } = fixture();
    const head = git(work, 'rev-parse', 'main').trim();
    const server = await serve(root);
    const r = remote(`${server.url}/empty.git`);
    const adv = await r.discover('git-receive-pack');
    await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/main', old: ZERO_OID, new: head }], pack: streamed(packFor(work, [head])) });
    expect(git(join(root, 'empty.git'), 'rev-parse', 'refs/heads/main').trim()).toBe(head);
    expectFsckClean(join(root, 'empty.git'));
  });

  it('a missing repository is RemoteNotFoundError; a closed port RemoteUnreachableError', async () => {
    const root = tempDir();
    const server = await serve(root);
    await expect(remote(`${server.url}/nothing.git`).discover('git-upload-pack')).rejects.toBeInstanceOf(RemoteNotFoundError);

    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await remote(`http://127.0.0.1:${port}/x.git`).discover('git-upload-pack').catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.code).toBe('REMOTE_UNREACHABLE');
    expect(err.data).toMatchObject({ phase: 'discover', cause: 'ECONNREFUSED' });
  });

  it('a dumb server, or something that is no git server, is RemoteProtocolError not-smart-http', async () => {
    const answers: Record<string, { type: string; body: string }> = {
      dumb: { type: 'text/plain', body: '1234567890123456789012345678901234567890\trefs/heads/main\n' },
      html: { type: 'text/html', body: '<html>login</html>' },
    };
    const fake: HttpClient = {
      async request(req) {
        const kind = new URL(req.url).pathname.split('/')[1];
        const a = answers[kind];
        return { url: req.url, statusCode: 200, statusMessage: 'OK', headers: { 'content-type': a.type }, body: (async function* () { yield new TextEncoder().encode(a.body); })() };
      },
    };
    for (const kind of Object.keys(answers)) {
      const err = await new SmartHttpRemote({ url: `http://h/${kind}/r.git`, http: fake }).discover('git-upload-pack').catch((e) => e);
      expect(err, kind).toBeInstanceOf(RemoteProtocolError);
      expect(err.data.reason).toBe('not-smart-http');
    }
  });
});

describe('fetching with upload-pack', () => {
  it('fetches everything: a pack git index-pack accepts, whose objects pass fsck with the refs set', async () => {
    const { root, bare } = fixture();
    const server = await serve(root);
    const progress: RemoteProgress[] = [];
    const r = remote(`${server.url}/remote.git`, { onProgress: (p) => progress.push(p) });
    const adv = await r.discover('git-upload-pack');
    const { acks, pack } = await r.fetchPack({ advertisement: adv, wants: [...adv.refs.values()] });
    expect(acks).toEqual([]);
    const sink = memorySink();
    const received = await receivePack(pack, sink, { hasher: sha1 });
    expect(sink.closed).toEqual(received);
    expect(sink.aborted).toBeUndefined();
    const bytes = sink.bytes();
    expect(received.bytes).toBe(bytes.length);
    const objects = Number(git(bare, 'rev-list', '--all', '--objects').trim().split('\n').length);
    expect(received.objects).toBe(objects);
    const scratch = indexInScratch(bytes, adv.refs);
    expectFsckClean(scratch);
    expect(git(scratch, 'rev-list', '--all', '--objects').trim().split('\n').length).toBe(objects);
    expect(git(scratch, 'log', '--format=%s', 'refs/heads/feature')).toBe('feature work\npages\nc3\nc2\nc1\n');
    // progress: discover, then receive in growing byte counts ending at the pack size
    expect(progress[0]).toEqual({ phase: 'discover', loaded: adv.refs.size });
    const receive = progress.filter((p) => p.phase === 'receive').map((p) => p.loaded);
    expect(receive.length).toBeGreaterThan(0);
    expect(receive[receive.length - 1]).toBe(bytes.length);
    expect(await server.stats()).toEqual({ discover: 1, uploadPack: 1, receivePack: 0 });
  });

  it('with haves, gets only what is missing (ACK of the common commit, a pack that is not thin)', async () => {
    const { root, work, bare } = fixture();
    const server = await serve(root);
    const r = remote(`${server.url}/remote.git`);
    // what we have: main as it is now
    const old = lsRemote(bare).get('refs/heads/main')!;
    const first = await r.fetchPack({ advertisement: await r.discover('git-upload-pack'), wants: [old] });
    const sinkA = memorySink();
    await receivePack(first.pack, sinkA, { hasher: sha1 });
    const scratch = indexInScratch(sinkA.bytes(), new Map([['refs/heads/main', old]]));
    // the server moves on: one commit changing one file
    execFileSync('sh', ['-c', 'printf "{\\n  \\"n\\": 0\\n}\\n" > page/p1.json && git commit -q -am edit'], { cwd: work, env: GIT_ENV });
    git(work, 'push', '-q', bare, 'main');
    const adv = await r.discover('git-upload-pack');
    const next = adv.refs.get('refs/heads/main')!;
    const { acks, pack } = await r.fetchPack({ advertisement: adv, wants: [next], haves: [old] });
    expect(acks).toEqual([old]);
    const sinkB = memorySink();
    const received = await receivePack(pack, sinkB, { hasher: sha1 });
    expect(received.objects).toBe(4); // commit, root tree, page tree, blob
    execFileSync('git', ['index-pack', '--stdin', '--strict'], { cwd: scratch, env: GIT_ENV, input: sinkB.bytes(), stdio: ['pipe', 'pipe', 'pipe'] });
    git(scratch, 'update-ref', 'refs/heads/main', next);
    expectFsckClean(scratch);
  });

  it('a connection cut inside the pack is RemoteUnreachableError (receive), the sink aborted, never closed', async () => {
    const { root } = fixture();
    const server = await serve(root, { cutAfter: 400 });
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-upload-pack');
    const { pack } = await r.fetchPack({ advertisement: adv, wants: [...adv.refs.values()] });
    const sink = memorySink();
    const err = await receivePack(pack, sink, { hasher: sha1 }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data.phase).toBe('receive');
    expect(sink.aborted).toBe(err);
    expect(sink.closed).toBeUndefined();
  });

  it('a connection cut before the NAK is RemoteUnreachableError (negotiate)', async () => {
    const { root } = fixture();
    const server = await serve(root, { cutAfter: 3 });
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-upload-pack');
    const err = await r.fetchPack({ advertisement: adv, wants: [...adv.refs.values()] }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data.phase).toBe('negotiate');
  });

  it('a flipped byte is RemoteProtocolError: in a length, a band, NAK, or the pack (checksum)', async () => {
    const { root } = fixture();
    // the response: "0008NAK\n", then "<len>\x01PACK…" side-band packets
    const cases: [number, string][] = [
      [1, 'pkt-line'],
      [5, 'unexpected'],
      [12, 'side-band'],
      [300, 'pack-checksum'],
      [1200, 'pack-checksum'],
    ];
    for (const [flipAt, reason] of cases) {
      const server = await serve(root, { flipAt });
      const r = remote(`${server.url}/remote.git`);
      const adv = await r.discover('git-upload-pack');
      const sink = memorySink();
      const err = await r
        .fetchPack({ advertisement: adv, wants: [...adv.refs.values()] })
        .then(({ pack }) => receivePack(pack, sink, { hasher: sha1 }))
        .catch((e) => e);
      expect(err, `flip at ${flipAt}`).toBeInstanceOf(RemoteProtocolError);
      expect(err.data.reason, `flip at ${flipAt}`).toBe(reason);
      expect(sink.closed).toBeUndefined();
    }
  });

  it('a want the server does not have is a server error', async () => {
    const { root } = fixture();
    const server = await serve(root);
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-upload-pack');
    const err = await r
      .fetchPack({ advertisement: adv, wants: ['1234567890123456789012345678901234567890'] })
      .then(({ pack }) => receivePack(pack, memorySink(), { hasher: sha1 }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemoteProtocolError);
    expect(err.data.reason).toBe('server-error');
    expect(err.data.detail).toMatch(/not our ref/);
  });

  it('an abort stops the transfer with the signal reason', async () => {
    const { root } = fixture();
    const server = await serve(root);
    const controller = new AbortController();
    const r = remote(`${server.url}/remote.git`, { signal: controller.signal });
    const adv = await r.discover('git-upload-pack');
    const { pack } = await r.fetchPack({ advertisement: adv, wants: [...adv.refs.values()] });
    controller.abort();
    const sink = memorySink();
    const err = await receivePack(pack, sink, { hasher: sha1 }).catch((e) => e);
    expect(err).toBe(controller.signal.reason);
    expect(sink.aborted).toBe(err);
  });
});

/** The pack `git pack-objects --revs` makes for `revs` (lines such as "<new>" and "^<old>"). */
function packFor(work: string, revs: string[]): Buffer {
  return execFileSync('git', ['pack-objects', '--stdout', '--revs', '--delta-base-offset', '-q'], { cwd: work, env: GIT_ENV, input: `${revs.join('\n')}\n` });
}

/** The pack as a stream of small chunks (a streaming request body). */
async function* streamed(pack: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < pack.length; at += size) yield pack.subarray(at, at + size);
}

describe('pushing with receive-pack', () => {
  it('pushes a new branch with a pack from git pack-objects, streamed; git log on the server shows it', async () => {
    const { root, work, bare } = fixture();
    git(work, 'checkout', '-q', '-b', 'topic');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'topic one');
    git(work, 'commit', '-q', '--allow-empty', '-m', 'topic two');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const base = git(work, 'rev-parse', 'main').trim();
    const server = await serve(root);
    const progress: RemoteProgress[] = [];
    const r = remote(`${server.url}/remote.git`, { onProgress: (p) => progress.push(p) });
    const adv = await r.discover('git-receive-pack');
    const pack = packFor(work, [head, `^${base}`]);
    const updated = await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/topic', old: ZERO_OID, new: head }], pack: streamed(pack) });
    expect(updated).toEqual([{ ref: 'refs/heads/topic', old: ZERO_OID, new: head }]);
    expect(git(bare, 'log', '--format=%s', '-2', 'refs/heads/topic')).toBe('topic two\ntopic one\n');
    expectFsckClean(bare);
    const sent = progress.filter((p) => p.phase === 'send');
    expect(sent[sent.length - 1].loaded).toBe(pack.length);
  });

  it('updates several refs atomically, and deletes without a pack', async () => {
    const { root, work, bare } = fixture();
    const before = lsRemote(bare);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'more');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const server = await serve(root);
    const r = remote(`${server.url}/remote.git`);
    let adv = await r.discover('git-receive-pack');
    await r.sendPack({
      advertisement: adv,
      atomic: true,
      updates: [
        { ref: 'refs/heads/main', old: before.get('refs/heads/main')!, new: head },
        { ref: 'refs/checkpoints/after', old: ZERO_OID, new: head },
      ],
      pack: [packFor(work, [head, `^${before.get('refs/heads/main')}`])],
    });
    expect(lsRemote(bare).get('refs/heads/main')).toBe(head);
    expect(lsRemote(bare).get('refs/checkpoints/after')).toBe(head);

    adv = await r.discover('git-receive-pack');
    await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/feature', old: adv.refs.get('refs/heads/feature')!, new: ZERO_OID }] });
    expect(lsRemote(bare).has('refs/heads/feature')).toBe(false);
    expectFsckClean(bare);
  });

  it('a non-fast-forward the server denies is PushRejectedError naming the ref; nothing changes', async () => {
    const { root, work, bare } = fixture();
    git(bare, 'config', 'receive.denyNonFastforwards', 'true');
    const before = lsRemote(bare);
    git(work, 'commit', '-q', '--amend', '--allow-empty', '-m', 'rewritten');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const server = await serve(root);
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-receive-pack');
    const err = await r
      .sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/main', old: adv.refs.get('refs/heads/main')!, new: head }], pack: [packFor(work, [head, `^${before.get('refs/heads/main')}`])] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    expect(err.code).toBe('PUSH_REJECTED');
    expect(err.data.refs).toEqual([{ ref: 'refs/heads/main', reason: 'non-fast-forward' }]);
    expect(err.data.accepted).toEqual([]);
    expect(lsRemote(bare)).toEqual(before);
  });

  it('compare-and-swap: an update whose old value is stale is rejected; with atomic, the others too', async () => {
    const { root, work, bare } = fixture();
    const before = lsRemote(bare);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'mine');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const server = await serve(root);
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-receive-pack');
    const stale = before.get('refs/heads/feature')!; // not what main is
    const err = await r
      .sendPack({
        advertisement: adv,
        atomic: true,
        updates: [
          { ref: 'refs/heads/main', old: stale, new: head },
          { ref: 'refs/heads/other', old: ZERO_OID, new: head },
        ],
        pack: [packFor(work, [head, `^${before.get('refs/heads/main')}`])],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(PushRejectedError);
    // git's receive-pack names no staleness: the whole transaction failed
    expect(err.data.refs).toEqual([
      { ref: 'refs/heads/main', reason: 'atomic transaction failed' },
      { ref: 'refs/heads/other', reason: 'atomic transaction failed' },
    ]);
    expect(lsRemote(bare)).toEqual(before);

    // without atomic: the stale one refused, the other made
    const partial = await r
      .sendPack({
        advertisement: adv,
        updates: [
          { ref: 'refs/heads/main', old: stale, new: head },
          { ref: 'refs/heads/other', old: ZERO_OID, new: head },
        ],
        pack: [packFor(work, [head, `^${before.get('refs/heads/main')}`])],
      })
      .catch((e) => e);
    expect(partial).toBeInstanceOf(PushRejectedError);
    expect(partial.data.refs).toEqual([{ ref: 'refs/heads/main', reason: 'failed to update ref' }]); // git's words for a stale old value
    expect(partial.data.accepted).toEqual(['refs/heads/other']);
    expect(lsRemote(bare).get('refs/heads/main')).toBe(before.get('refs/heads/main'));
    expect(lsRemote(bare).get('refs/heads/other')).toBe(head);
  });

  it('a receive-pack that fails with 500 is RemoteUnreachableError (send) and changes nothing', async () => {
    const { root, work, bare } = fixture();
    git(work, 'commit', '-q', '--allow-empty', '-m', 'x');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const old = lsRemote(bare).get('refs/heads/main')!;
    const server = await serve(root, { failReceive: 'before' });
    const r = remote(`${server.url}/remote.git`);
    const adv = await r.discover('git-receive-pack');
    const err = await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/main', old, new: head }], pack: [packFor(work, [head, `^${old}`])] }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data).toMatchObject({ phase: 'send', status: 500 });
    expect(lsRemote(bare).get('refs/heads/main')).toBe(old);
  });

  it('a report lost after the server updated: RemoteUnreachableError (send), the ref made; the next discovery shows it', async () => {
    const { root, work, bare } = fixture();
    git(work, 'commit', '-q', '--allow-empty', '-m', 'x');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const old = lsRemote(bare).get('refs/heads/main')!;
    const server = await serve(root);
    const inner = http();
    const lossy = losingReceivePackReports(inner);
    const r = remote(`${server.url}/remote.git`, { http: lossy });
    const adv = await r.discover('git-receive-pack');
    const err = await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/main', old, new: head }], pack: [packFor(work, [head, `^${old}`])] }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteUnreachableError);
    expect(err.data).toMatchObject({ phase: 'send', cause: 'ECONNRESET' });
    expect(lsRemote(bare).get('refs/heads/main')).toBe(head);
    expect((await r.discover('git-receive-pack')).refs.get('refs/heads/main')).toBe(head);

    // and with the harness's own fault: either outcome, the ref made
    const after = await serve(root, { failReceive: 'after' });
    git(work, 'commit', '-q', '--allow-empty', '-m', 'y');
    const next = git(work, 'rev-parse', 'HEAD').trim();
    const r2 = remote(`${after.url}/remote.git`);
    const adv2 = await r2.discover('git-receive-pack');
    const result = await r2.sendPack({ advertisement: adv2, updates: [{ ref: 'refs/heads/main', old: head, new: next }], pack: [packFor(work, [next, `^${head}`])] }).catch((e) => e);
    if (result instanceof Error) expect(result).toBeInstanceOf(RemoteUnreachableError);
    expect(lsRemote(bare).get('refs/heads/main')).toBe(next);
  });
});

describe('authentication', () => {
  it('401 without credentials is RemoteAuthError; onAuth credentials are kept for the upload-pack POST', async () => {
    const { root } = fixture();
    const server = await serve(root, { auth: 'ada:secret' });
    const url = `${server.url}/remote.git`;
    const none = await remote(url).discover('git-upload-pack').catch((e) => e);
    expect(none).toBeInstanceOf(RemoteAuthError);
    expect(none.data).toMatchObject({ status: 401, attempts: 0 });

    const asked: [string, number][] = [];
    const r = remote(url, {
      onAuth: (u, { attempt }) => {
        asked.push([u, attempt]);
        return attempt === 1 ? { username: 'ada', password: 'wrong' } : { username: 'ada', password: 'secret' };
      },
    });
    const adv = await r.discover('git-upload-pack');
    expect(asked).toEqual([
      [url, 1],
      [url, 2],
    ]);
    const { pack } = await r.fetchPack({ advertisement: adv, wants: [adv.refs.get('refs/heads/main')!] });
    await receivePack(pack, memorySink(), { hasher: sha1 });
    expect(asked.length).toBe(2);
  });

  it('cancel, or credentials still refused after the attempts, is RemoteAuthError', async () => {
    const { root } = fixture();
    const server = await serve(root, { auth: 'ada:secret' });
    const url = `${server.url}/remote.git`;
    const cancelled = await remote(url, { onAuth: () => ({ cancel: true }) }).discover('git-upload-pack').catch((e) => e);
    expect(cancelled).toBeInstanceOf(RemoteAuthError);
    expect(cancelled.data).toMatchObject({ cancelled: true, attempts: 1 });
    let calls = 0;
    const wrong = await remote(url, { onAuth: () => (calls++, { username: 'ada', password: 'nope' }) }).discover('git-upload-pack').catch((e) => e);
    expect(wrong).toBeInstanceOf(RemoteAuthError);
    expect(wrong.data).toMatchObject({ status: 401, attempts: 3 });
    expect(calls).toBe(3);
  });

  it('credentials in the URL, or a header from onAuth, work for push; messages never show the password', async () => {
    const { root, work, bare } = fixture();
    const server = await serve(root, { auth: 'ada:s3cret' });
    git(work, 'commit', '-q', '--allow-empty', '-m', 'authed');
    const head = git(work, 'rev-parse', 'HEAD').trim();
    const old = lsRemote(bare).get('refs/heads/main')!;
    const r = remote(`${server.url.replace('http://', 'http://ada:s3cret@')}/remote.git`);
    expect(r.url).toBe(`${server.url}/remote.git`);
    const adv = await r.discover('git-receive-pack');
    await r.sendPack({ advertisement: adv, updates: [{ ref: 'refs/heads/main', old, new: head }], pack: streamed(packFor(work, [head, `^${old}`])) });
    expect(lsRemote(bare).get('refs/heads/main')).toBe(head);

    const basic = `Basic ${Buffer.from('ada:s3cret').toString('base64')}`;
    const viaHeader = remote(`${server.url}/remote.git`, { onAuth: () => ({ headers: { Authorization: basic } }) });
    expect((await viaHeader.discover('git-upload-pack')).refs.get('refs/heads/main')).toBe(head);

    const refused = await remote(`${server.url.replace('http://', 'http://ada:wrong@')}/remote.git`).discover('git-upload-pack').catch((e) => e);
    expect(refused).toBeInstanceOf(RemoteAuthError);
    expect(refused.message).not.toContain('wrong');
  });
});
