// Hostile packs: a zlib stream that inflates far past its entry's stated size, a delta that
// announces a gigantic result, an entry over the fetch's object limit. Each is a typed error
// before the memory is spent, and a fetch that meets one moves no ref.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptObjectError, Field, Model, RemoteProtocolError, Workspace } from '../lib/index.js';
import { encodeEntryHeader, encodeOfsDistance, OFS_DELTA } from '../lib/git/fs/pack-format.js';
import { indexPack } from '../lib/git/fs/pack-parse.js';
import type { HttpClient } from '../lib/git/remote/http-client.js';
import { FLUSH_PKT, pktLine } from '../lib/git/remote/pkt-line.js';
import { expectFsckClean, git, newRepoPath, rawPack as pack, rejected } from './helpers.js';

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

const blobEntry = (content: Uint8Array, statedSize = content.length) => concat([encodeEntryHeader(3, statedSize), deflateSync(content)]);

function varint(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Uint8Array.from(out);
}

const noBase = async () => undefined;

/** An object's loose form hashed: its oid (hex) and its pack entry (undeltified). */
function entryOf(type: 'blob' | 'tree' | 'commit', content: Uint8Array): { oid: string; entry: Uint8Array } {
  const code = { commit: 1, tree: 2, blob: 3 }[type];
  const oid = createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
  return { oid, entry: concat([encodeEntryHeader(code, content.length), deflateSync(content)]) };
}

/** A client that advertises `main` at `tip` and answers any fetch with `packBytes`. */
function serving(tip: string, packBytes: Uint8Array): HttpClient {
  return {
    async request(req) {
      const service = /service=(git-[a-z-]+)/.exec(req.url)?.[1];
      const lines: Uint8Array[] = service
        ? [pktLine(`# service=${service}\n`), FLUSH_PKT, pktLine(`${tip} refs/heads/main\0side-band-64k ofs-delta\n`), FLUSH_PKT]
        : [pktLine('NAK\n'), ...chunks(packBytes).map((c) => pktLine(concat([Uint8Array.from([1]), c]))), FLUSH_PKT];
      return {
        url: req.url,
        statusCode: 200,
        statusMessage: 'OK',
        headers: { 'content-type': service ? `application/x-${service}-advertisement` : 'application/x-git-upload-pack-result' },
        body: (async function* () {
          yield* lines;
        })(),
      };
    },
  };
}

function chunks(bytes: Uint8Array, size = 60_000): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe('connectivity of a fetched pack', () => {
  it('a large tree naming an object neither the pack nor the repository has is refused, though an earlier version of it was complete', async () => {
    const blobs = Array.from({ length: 200 }, (_, i) => entryOf('blob', new TextEncoder().encode(`note ${i}\n`)));
    const treeOf = (oids: string[]) =>
      concat(oids.map((oid, i) => concat([new TextEncoder().encode(`100644 f${String(i).padStart(3, '0')}\0`), Buffer.from(oid, 'hex')])));
    const full = entryOf('tree', treeOf(blobs.map((b) => b.oid)));
    const missingOid = 'ab'.repeat(20);
    const broken = entryOf('tree', treeOf(blobs.map((b, i) => (i === 100 ? missingOid : b.oid))));
    expect(full.entry.length).toBeGreaterThan(0);
    const commitText = `tree ${broken.oid}\nauthor A <a@x> 0 +0000\ncommitter A <a@x> 0 +0000\n\nbroken\n`;
    const commit = entryOf('commit', new TextEncoder().encode(commitText));
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: { name: 'A', email: 'a@example.com' } });
    await ws.remotes.add('origin', 'http://broken.invalid/r.git');
    const error = await rejected(ws.fetch({ http: serving(commit.oid, pack([...blobs.map((b) => b.entry), full.entry, broken.entry, commit.entry])) }));
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as Error).message).toContain(`the pack lacks ${missingOid}`);
    expect(git(path, 'for-each-ref').trim()).toBe('');
    // the pack had streamed to objects/pack/tmp_pack_*: removed, nothing published
    expect(readdirSync(join(path, 'objects', 'pack'))).toEqual([]);
    expectFsckClean(path);
  });
});

describe('pack bombs', () => {
  it('a zlib stream that inflates past its stated size stops there (64 MiB of zeros stated as 20,000 bytes)', async () => {
    const bomb = pack([blobEntry(new Uint8Array(64 * 1024 * 1024), 20_000)]);
    expect(bomb.length).toBeLessThan(200_000);
    const error = (await rejected(indexPack(bomb, { external: noBase }))) as CorruptObjectError;
    expect(error).toBeInstanceOf(CorruptObjectError);
    // refused as it passed the stated size, not after inflating all of it and comparing sizes
    expect(error.message).toMatch(/does not inflate/);
    expect(error.message).not.toMatch(/67108864 bytes/);
  });

  it('a delta announcing a result over the limit is refused before anything is allocated', async () => {
    const base = new TextEncoder().encode('base content\n');
    const baseEntry = blobEntry(base);
    // copy the whole base, announcing a 3 GiB result
    const delta = concat([varint(base.length), varint(3 * 1024 ** 3), Uint8Array.from([0x80 | 0x10, base.length])]);
    const deltaEntry = concat([encodeEntryHeader(OFS_DELTA, delta.length), encodeOfsDistance(baseEntry.length), deflateSync(delta)]);
    const error = (await rejected(indexPack(pack([baseEntry, deltaEntry]), { external: noBase, name: 'bomb', maxObjectSize: 1024 ** 3 }))) as CorruptObjectError;
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect(error.message).toMatch(/over the limit of 1073741824/);
  });

  it("a fetch refuses an entry over maxObjectSize with RemoteProtocolError and moves no ref", async () => {
    class Note extends Model<Note> {
      @Field({ id: true }) name!: string;
    }
    const path = newRepoPath();
    const ws = await Workspace.open(path, { author: { name: 'A', email: 'a@example.com' } });
    ws.register(Note);
    await new Note({ name: 'n' }).save({ commit: true });
    const big = pack([blobEntry(new Uint8Array(4096), 4096)]);
    const http = serving('f'.repeat(40), big);
    await ws.remotes.add('origin', 'http://bomb.invalid/r.git');
    const error = await rejected(ws.fetch({ http, maxObjectSize: 1000 }));
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect((error as Error).message).toMatch(/over the limit of 1000/);
    expect(git(path, 'for-each-ref', '--format=%(refname)').trim()).toBe('refs/heads/main');
    expect(readdirSync(join(path, 'objects', 'pack')).filter((f) => f.startsWith('tmp_'))).toEqual([]);
    expectFsckClean(path);
  });
});
