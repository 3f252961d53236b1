// Hostile packs: a zlib stream that inflates far past its entry's stated size, a delta that
// announces a gigantic result, an entry over the fetch's object limit. Each is a typed error
// before the memory is spent, and a fetch that meets one moves no ref. (Packs that lack an object:
// fetch-connectivity.test.ts.)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptObjectError, Field, Model, RemoteProtocolError, Workspace } from '../lib/index.js';
import { encodeEntryHeader, encodeOfsDistance, OFS_DELTA } from '../lib/git/fs/pack-format.js';
import { indexPack } from '../lib/git/fs/pack-parse.js';
import { expectFsckClean, git, newRepoPath, rejected } from './helpers.js';
import { concat, pack, serving } from './pack-fixtures.js';

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
