// Receiving a pack (lib/git/remote/pack-receive.ts): the trailer check whatever the chunk sizes
// (the last 20 bytes split across chunks included), damaged, short and foreign bytes refused, and
// the sink closed only after the check, aborted otherwise.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RemoteProtocolError } from '../lib/git/remote/errors.js';
import { receivePack, type PackSink, type ReceivedPack } from '../lib/git/remote/pack-receive.js';
import { GIT_ENV, git, tempDir } from './helpers.js';

const hasher = () => {
  const h = createHash('sha1');
  return { update: (d: Uint8Array) => void h.update(d), digest: () => new Uint8Array(h.digest()) };
};

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function sink(): PackSink & { written: number; closed?: ReceivedPack; aborted?: unknown } {
  const s = {
    written: 0,
    closed: undefined as ReceivedPack | undefined,
    aborted: undefined as unknown,
    write: (c: Uint8Array) => void (s.written += c.length),
    close: (r: ReceivedPack) => void (s.closed = r),
    abort: (e: unknown) => void (s.aborted = e),
  };
  return s;
}

function gitPack(): Uint8Array {
  const dir = tempDir();
  git(dir, 'init', '-q');
  for (let i = 0; i < 5; i++) {
    execFileSync('sh', ['-c', `echo ${i} > f${i} && git add f${i} && git commit -q -m c${i}`], { cwd: dir, env: GIT_ENV });
  }
  return new Uint8Array(execFileSync('git', ['pack-objects', '--stdout', '--revs', '-q'], { cwd: dir, env: GIT_ENV, input: 'HEAD\n' }));
}

describe('receivePack', () => {
  const pack = gitPack();
  const trailer = Buffer.from(pack.subarray(pack.length - 20)).toString('hex');

  it('accepts a git pack in chunks of any size, the sink closed with what was received', async () => {
    for (const size of [1, 7, 19, 20, 21, 33, 4096, pack.length]) {
      const s = sink();
      const r = await receivePack(chunks(pack, size), s, { hasher });
      expect(r, `chunks of ${size}`).toEqual({ version: 2, objects: 15, bytes: pack.length, checksum: trailer });
      expect(s.closed).toEqual(r);
      expect(s.written).toBe(pack.length);
      expect(s.aborted).toBeUndefined();
    }
  });

  it('refuses a flipped byte, a cut pack, a short one and bytes that are no pack; the sink aborted, never closed', async () => {
    const flipped = pack.slice();
    flipped[pack.length >> 1] ^= 1;
    const cases: [Uint8Array, string][] = [
      [flipped, 'pack-checksum'],
      [pack.subarray(0, pack.length - 7), 'pack-checksum'],
      [pack.subarray(0, 31), 'pack-truncated'],
      [new TextEncoder().encode('<html>not a pack at all, really</html>'), 'pack-header'],
    ];
    for (const [bytes, reason] of cases) {
      const s = sink();
      const err = await receivePack(chunks(bytes, 13), s, { hasher, url: 'http://h/r.git' }).catch((e) => e);
      expect(err, reason).toBeInstanceOf(RemoteProtocolError);
      expect(err.data).toMatchObject({ reason, url: 'http://h/r.git' });
      expect(s.closed).toBeUndefined();
      expect(s.aborted).toBe(err);
    }
  });

  it("passes the stream's own error through, after aborting the sink", async () => {
    const lost = Object.assign(new Error('cut'), { code: 'ECONNRESET' });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield pack.subarray(0, 100);
      throw lost;
    }
    const s = sink();
    await expect(receivePack(failing(), s, { hasher })).rejects.toBe(lost);
    expect(s.aborted).toBe(lost);
  });
});
