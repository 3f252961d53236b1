// A received pack indexed by lib/git/fs/pack-parse.ts gives the .idx `git index-pack` writes for
// it, byte for byte: packs git wrote with OFS_DELTAs and with REF_DELTAs (chains, a large object),
// read through the window of a file, with the delta instructions kept between the passes or
// inflated again (the bound set to nothing); a REF_DELTA before its base; a thin pack's base taken
// from outside. Every object is visited once, with the oid git gives its content.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptObjectError } from '../lib/index.js';
import { decodeEntryHeader, encodeEntryHeader, OFS_DELTA, REF_DELTA } from '../lib/git/fs/pack-format.js';
import { indexPack, type PackBytes } from '../lib/git/fs/pack-parse.js';
import { buildIndexOf } from '../lib/git/fs/pack-writer.js';
import { OidTable } from '../lib/util/oid-table.js';
import type { PendingObject } from '../lib/git/object.js';
import { git, gitWith, rejected, tempDir } from './helpers.js';
import { pack as rawPack } from './pack-fixtures.js';

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A repository whose history makes delta chains: 30 files edited over 12 commits, and a large file. */
function history(): string {
  const dir = tempDir();
  git(dir, 'init', '-q', '-b', 'main', 'work');
  const work = join(dir, 'work');
  for (let c = 0; c < 12; c++) {
    for (let f = 0; f < 30; f++) {
      const lines = Array.from({ length: 40 }, (_, l) => `file ${f} line ${l} ${l % 7 === c % 7 ? `edited in ${c}` : 'same'}`);
      writeFileSync(join(work, `f${f}.txt`), `${lines.join('\n')}\n`);
    }
    // over the Node platform's small-entry size: inflated by zlib, not lib/util/inflate.ts
    writeFileSync(join(work, 'large.txt'), Array.from({ length: 3000 }, (_, i) => `${i * 7919 + (i === c ? 1 : 0)}`).join(','));
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `commit ${c}`);
  }
  return work;
}

/** Every object of `work` packed by git (`ofs`: OFS_DELTAs, else REF_DELTAs), and the .idx git writes for it. */
function gitPack(work: string, ofs: boolean): { pack: Uint8Array; idx: Uint8Array } {
  const dir = tempDir();
  const name = gitWith(work, { input: git(work, 'rev-list', '--objects', '--all') }, 'pack-objects', '-q', ...(ofs ? ['--delta-base-offset'] : []), '--window=20', '--depth=30', join(dir, 'p')).trim();
  const pack = new Uint8Array(readFileSync(join(dir, `p-${name}.pack`)));
  // git's own index of the pack, written by index-pack (not pack-objects)
  writeFileSync(join(dir, 'copy.pack'), pack);
  git(dir, 'index-pack', 'copy.pack');
  return { pack, idx: new Uint8Array(readFileSync(join(dir, 'copy.idx'))) };
}

/** The pack read by position, as a received file is. */
function file(pack: Uint8Array): PackBytes {
  return { read: (position, length) => pack.slice(position, position + length), size: () => pack.length };
}

function oidOf(type: string, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** A REF_DELTA entry: `base` (hex) with `result` made by one insert of all its bytes after copying the base's first `keep`. */
function refDelta(base: string, baseSize: number, keep: number, insert: Uint8Array): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
    return Uint8Array.from(out);
  };
  const delta = concat([varint(baseSize), varint(keep + insert.length), Uint8Array.from([0x90, keep]), Uint8Array.from([insert.length]), insert]);
  return concat([encodeEntryHeader(REF_DELTA, delta.length), Buffer.from(base, 'hex'), deflateSync(delta)]);
}

async function visitAll(source: Uint8Array | PackBytes, options: Parameters<typeof indexPack>[1] = {}) {
  const visited: PendingObject[] = [];
  const indexed = await indexPack(source, { ...options, visit: (o) => void visited.push({ ...o, content: o.content.slice() }) });
  return { indexed, visited };
}

describe('indexing a received pack', () => {
  for (const ofs of [true, false]) {
    it(`gives git index-pack's .idx byte for byte (${ofs ? 'OFS_DELTA' : 'REF_DELTA'}s), kept or inflated again; each object visited once with its oid`, async () => {
      const { pack, idx } = gitPack(history(), ofs);
      const types = new Map<number, number>();
      for (const deltaBytes of [undefined, 0]) {
        const { indexed, visited } = await visitAll(file(pack), { deltaBytes });
        expect(buildIndexOf(indexed, pack.subarray(pack.length - 20))).toEqual(idx);
        expect(visited).toHaveLength(indexed.count);
        expect(new Set(visited.map((o) => o.oid)).size).toBe(indexed.count);
        for (const o of visited) expect(oidOf(o.type, o.content)).toBe(o.oid);
        expect(indexed.thin).toBe(false);
        for (const offset of indexed.offsets) {
          const type = decodeEntryHeader(pack.subarray(offset, offset + 32), 'test').type;
          types.set(type, (types.get(type) ?? 0) + 1);
        }
      }
      // the packs hold what the test is about: many deltas of the kind asked for, none of the other
      expect(types.get(ofs ? OFS_DELTA : REF_DELTA)).toBeGreaterThan(200);
      expect(types.get(ofs ? REF_DELTA : OFS_DELTA)).toBeUndefined();
    });
  }

  it('deltas inflated again in the second pass read their own bytes, not a window each: the pack read at most twice', async () => {
    // ~3 MiB of incompressible files, each edited in a second commit: hundreds of deltas spread over
    // more than one window
    const dir = tempDir();
    git(dir, 'init', '-q', '-b', 'main', 'work');
    const work = join(dir, 'work');
    for (let c = 0; c < 2; c++) {
      for (let f = 0; f < 120; f++) {
        const text = Array.from({ length: 1000 }, (_, l) => createHash('sha1').update(`file ${f} line ${l}${l === 500 && c === 1 ? ' edited' : ''}`).digest('base64')).join('\n');
        writeFileSync(join(work, `f${f}.txt`), text);
      }
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', `commit ${c}`);
    }
    const { pack, idx } = gitPack(work, true);
    expect(pack.length).toBeGreaterThan(2 << 20);
    let read = 0;
    const counted: PackBytes = { read: (position, length) => ((read += length), pack.slice(position, position + length)), size: () => pack.length };
    const indexed = await indexPack(counted, { deltaBytes: 0 });
    expect(buildIndexOf(indexed, pack.subarray(pack.length - 20))).toEqual(idx);
    expect(indexed.largestRead).toBeLessThanOrEqual(1 << 20);
    // the first pass reads it once, the second each base with deltas and each delta once more:
    // at most twice the pack (a window for each of the 120 deltas would be 120 MiB)
    expect(read).toBeLessThan(2.2 * pack.length);
  });

  it('a REF_DELTA before its base, and a REF_DELTA on that delta: resolved, the .idx git writes', async () => {
    const base = new TextEncoder().encode('the base object, long enough to copy from\n');
    const baseOid = oidOf('blob', base);
    const first = concat([base.subarray(0, 10), new TextEncoder().encode('first')]);
    const second = concat([first.subarray(0, 12), new TextEncoder().encode('second')]);
    const pack = rawPack([
      refDelta(oidOf('blob', first), first.length, 12, new TextEncoder().encode('second')),
      refDelta(baseOid, base.length, 10, new TextEncoder().encode('first')),
      concat([encodeEntryHeader(3, base.length), deflateSync(base)]),
    ]);
    const { indexed, visited } = await visitAll(pack);
    expect(visited.map((o) => o.oid).sort()).toEqual([baseOid, oidOf('blob', first), oidOf('blob', second)].sort());
    const dir = tempDir();
    writeFileSync(join(dir, 'p.pack'), pack);
    git(dir, 'index-pack', 'p.pack');
    expect(buildIndexOf(indexed, pack.subarray(pack.length - 20))).toEqual(new Uint8Array(readFileSync(join(dir, 'p.idx'))));
  });

  it("a thin pack's base comes from outside and is not in the index; without it the pack is refused", async () => {
    const base = new TextEncoder().encode('a base the receiver already has\n');
    const baseOid = oidOf('blob', base);
    const pack = rawPack([refDelta(baseOid, base.length, 8, new TextEncoder().encode(' and more'))]);
    const asked: string[] = [];
    const { indexed, visited } = await visitAll(pack, {
      external: async (oid) => {
        asked.push(oid);
        return oid === baseOid ? { type: 'blob', content: base } : undefined;
      },
    });
    expect(asked).toEqual([baseOid]);
    expect(indexed.thin).toBe(true);
    expect(indexed.count).toBe(1);
    expect(visited[0].content).toEqual(concat([base.subarray(0, 8), new TextEncoder().encode(' and more')]));
    expect(indexed.table.has(baseOid)).toBe(false);
    const error = await rejected(indexPack(pack, { name: 'thin' }));
    expect(error).toBeInstanceOf(CorruptObjectError);
    expect((error as Error).message).toContain(`delta base ${baseOid} is missing`);
  });
});

describe('OidTable', () => {
  it('numbers oids as added, finds them by bytes or hex, keeps the first of equal ones, and grows past its capacity', () => {
    const table = new OidTable(2);
    const oids = Array.from({ length: 1000 }, (_, i) => createHash('sha1').update(String(i)).digest());
    for (const [i, oid] of oids.entries()) expect(table.add(oid)).toBe(i);
    expect(table.add(oids[500])).toBe(500);
    expect(table.count).toBe(1000);
    expect(table.size).toBe(1000);
    for (const [i, oid] of oids.entries()) {
      expect(table.find(concat([Uint8Array.of(9), oid]), 1)).toBe(i);
      expect(table.hexAt(i)).toBe(oid.toString('hex'));
    }
    expect(table.has(oids[7].toString('hex'))).toBe(true);
    expect(table.has('00'.repeat(20))).toBe(false);
  });
});
