// git's commit-graph file (Documentation/gitformat-commit-graph): every commit's root tree,
// parents and commit time, found by oid without inflating the commit, and a changed-path Bloom
// filter per commit (BIDX/BDAT) that says when a commit surely did not touch a path. Read when a
// repository has one (git writes it with `git commit-graph write --reachable --changed-paths`),
// written by maintenance here in the same format, so either side's file serves both.
// A file that does not check out (signature, sizes, order, checksum) is not used at all: the
// walk then reads the commits themselves, slower but never wrong.
import { platform } from '../platform/current.js';
import { compareBytes, fromHex, readUInt32BE, toHex, writeUInt32BE } from '../util/bytes.js';
import { BLOOM_BITS_PER_ENTRY, BLOOM_HASHES, type BloomKey, bloomKeys, mayContain } from './bloom.js';
import type { Commit } from './commit.js';

/** What a history walk needs of a commit: a parsed Commit is one, and so is a commit-graph row. */
export type CommitNode = Pick<Commit, 'oid' | 'tree' | 'parents'> & { readonly committer: { readonly timestamp: number } };

/** A commit as read from the file: its row there too. */
export interface GraphCommit extends CommitNode {
  readonly position: number;
}

const SIGNATURE = 0x43475048; // 'CGPH'
const HEADER = 8;
const HASH = 20;
const ROW = HASH + 16;
const NO_PARENT = 0x70000000;
const OCTOPUS = 0x80000000;
const BDAT_HEADER = 12;
const GENERATION_V1_MAX = 0x3fffffff;

const id = (s: string) => readUInt32BE(new TextEncoder().encode(s), 0);
const OIDF = id('OIDF');
const OIDL = id('OIDL');
const CDAT = id('CDAT');
const EDGE = id('EDGE');
const BIDX = id('BIDX');
const BDAT = id('BDAT');

class Unusable extends Error {}

function check(ok: boolean, why: string): void {
  if (!ok) throw new Unusable(why);
}

export class CommitGraph {
  /** commits in the file */
  readonly size: number;
  /** the Bloom filters' hash version (1 or 2), undefined when the file has none we can read */
  readonly bloomVersion: 1 | 2 | undefined;
  private readonly fanout: number;
  private readonly oids: number;
  private readonly data: number;
  private readonly edges: number | undefined;
  private readonly edgeCount: number;
  private readonly bloomIndex: number | undefined;
  private readonly bloomData: number | undefined;
  private readonly bloomSize: number;
  /** rows of parents handed out by commit() and not asked for yet */
  private readonly parentRows = new Map<string, number>();

  private constructor(private readonly bytes: Uint8Array) {
    const b = bytes;
    check(b.length >= HEADER + 12 + HASH && readUInt32BE(b, 0) === SIGNATURE, 'not a commit-graph');
    check(b[4] === 1 && b[5] === 1, 'version or hash not supported');
    check(b[7] === 0, 'a layer of a split commit-graph');
    const chunks = new Map<number, { at: number; size: number }>();
    const end = b.length - HASH;
    const count = b[6];
    check(HEADER + (count + 1) * 12 <= end, 'chunk table truncated');
    for (let i = 0; i < count; i++) {
      const row = HEADER + i * 12;
      const at = readUInt32BE(b, row + 4) * 2 ** 32 + readUInt32BE(b, row + 8);
      const next = readUInt32BE(b, row + 16) * 2 ** 32 + readUInt32BE(b, row + 20);
      check(at >= HEADER + (count + 1) * 12 && at <= next && next <= end, 'chunk offsets out of order');
      chunks.set(readUInt32BE(b, row), { at, size: next - at });
    }
    check(readUInt32BE(b, HEADER + count * 12) === 0, 'chunk table not terminated');
    const fanout = chunks.get(OIDF);
    check(fanout?.size === 256 * 4, 'no fan-out');
    this.fanout = fanout!.at;
    for (let i = 1; i < 256; i++) check(this.count(i - 1) <= this.count(i), 'fan-out decreases');
    this.size = this.count(255);
    const oids = chunks.get(OIDL);
    const data = chunks.get(CDAT);
    check(oids?.size === this.size * HASH && data?.size === this.size * ROW, 'lookup or data chunk of the wrong size');
    this.oids = oids!.at;
    this.data = data!.at;
    for (let i = 1; i < this.size; i++) check(compareBytes(this.oidBytes(i - 1), this.oidBytes(i)) < 0, 'oids out of order');
    for (let i = 0; i < this.size; i++) {
      const first = b[this.oids + i * HASH];
      check(this.fanoutStart(first) <= i && i < this.count(first), 'fan-out disagrees');
    }
    const edges = chunks.get(EDGE);
    this.edges = edges?.at;
    this.edgeCount = edges ? edges.size >>> 2 : 0;
    const index = chunks.get(BIDX);
    const filters = chunks.get(BDAT);
    let version: 1 | 2 | undefined;
    if (index && filters && index.size === this.size * 4 && filters.size >= BDAT_HEADER) {
      const v = readUInt32BE(b, filters.at);
      const usable = (v === 1 || v === 2) && readUInt32BE(b, filters.at + 4) === BLOOM_HASHES && readUInt32BE(b, filters.at + 8) === BLOOM_BITS_PER_ENTRY;
      let last = 0;
      for (let i = 0; usable && i < this.size; i++) {
        const offset = readUInt32BE(b, index.at + i * 4);
        check(offset >= last && offset <= filters.size - BDAT_HEADER, 'Bloom filter index out of order');
        last = offset;
      }
      if (usable) version = v as 1 | 2;
    }
    this.bloomVersion = version;
    this.bloomIndex = version ? index!.at : undefined;
    this.bloomData = version ? filters!.at + BDAT_HEADER : undefined;
    this.bloomSize = filters?.size ?? 0;
    for (let i = 0; i < this.size; i++) this.checkParents(i);
    check(platform().sha1(b.subarray(0, end)) === toHex(b, end), 'checksum mismatch');
  }

  /** The graph in `bytes`, or undefined when they are not a commit-graph this reader can trust. */
  static parse(bytes: Uint8Array): CommitGraph | undefined {
    try {
      return new CommitGraph(bytes);
    } catch (error) {
      if (error instanceof Unusable || error instanceof RangeError) return undefined;
      throw error;
    }
  }

  private count(byte: number): number {
    return readUInt32BE(this.bytes, this.fanout + byte * 4);
  }

  private fanoutStart(byte: number): number {
    return byte ? this.count(byte - 1) : 0;
  }

  private oidBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.oids + i * HASH, this.oids + (i + 1) * HASH);
  }

  /** The commit's row, or -1 when the file does not have it. */
  position(oid: string): number {
    const key = fromHex(oid);
    const b = this.bytes;
    let lo = this.fanoutStart(key[0]);
    let hi = this.count(key[0]) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.oids + mid * HASH;
      // the first byte is the same (the fan-out), so compare from the second
      let i = 1;
      while (i < HASH && b[at + i] === key[i]) i++;
      if (i === HASH) return mid;
      if (b[at + i] < key[i]) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Parent positions in range, octopus edges inside the edge chunk: commit() can then trust them. */
  private checkParents(i: number): void {
    const row = this.data + i * ROW;
    const first = readUInt32BE(this.bytes, row + HASH);
    const second = readUInt32BE(this.bytes, row + HASH + 4);
    check(first === NO_PARENT || first < this.size, 'parent out of range');
    if (!(second & OCTOPUS)) return check(second === NO_PARENT || second < this.size, 'parent out of range');
    for (let e = second & ~OCTOPUS; ; e++) {
      check(this.edges !== undefined && e < this.edgeCount, 'octopus edge out of range');
      const value = readUInt32BE(this.bytes, this.edges! + e * 4);
      check((value & ~OCTOPUS) < this.size, 'parent out of range');
      if (value & OCTOPUS) return;
    }
  }

  private parent(value: number): string {
    const oid = toHex(this.bytes, this.oids + value * HASH, this.oids + (value + 1) * HASH);
    this.parentRows.set(oid, value);
    return oid;
  }

  /** The commit as the file has it, or undefined when it is not in the file (newer than the graph). */
  commit(oid: string): GraphCommit | undefined {
    // a walk asks for the parents this handed out: their rows are known without a search
    const known = this.parentRows.get(oid);
    const i = known ?? this.position(oid);
    if (i < 0) return undefined;
    if (known !== undefined) this.parentRows.delete(oid);
    else if (this.parentRows.size > 4096) this.parentRows.clear(); // asked by a walk that stopped
    const b = this.bytes;
    const row = this.data + i * ROW;
    const parents: string[] = [];
    const first = readUInt32BE(b, row + HASH);
    const second = readUInt32BE(b, row + HASH + 4);
    if (first !== NO_PARENT) parents.push(this.parent(first));
    if (second !== NO_PARENT && !(second & OCTOPUS)) parents.push(this.parent(second));
    else if (second & OCTOPUS) {
      for (let e = second & ~OCTOPUS; ; e++) {
        const value = readUInt32BE(b, this.edges! + e * 4);
        parents.push(this.parent(value & ~OCTOPUS));
        if (value & OCTOPUS) break;
      }
    }
    const timestamp = (readUInt32BE(b, row + HASH + 8) & 3) * 2 ** 32 + readUInt32BE(b, row + HASH + 12);
    return new GraphRowView(b, row, oid, parents, timestamp, i);
  }

  /** Keys for asking mayHaveChanged about a path, in this file's hash version. */
  keysFor(path: string): BloomKey[] | undefined {
    return this.bloomVersion && bloomKeys(path, this.bloomVersion);
  }

  /**
   * False when the commit's filter says for sure that the path (keysFor) is the same as in its
   * first parent; true when it may differ, or the file has no filter for the commit.
   */
  mayHaveChanged(commit: GraphCommit, keys: readonly BloomKey[] | undefined): boolean {
    const filter = keys && this.filterAt(commit.position);
    return !filter || mayContain(filter, keys);
  }

  /** The commit's Bloom filter as stored, or undefined (no filters, or not in the file). */
  filter(oid: string): Uint8Array | undefined {
    const i = this.position(oid);
    return i < 0 ? undefined : this.filterAt(i);
  }

  private filterAt(i: number): Uint8Array | undefined {
    if (this.bloomIndex === undefined) return undefined;
    const start = i ? readUInt32BE(this.bytes, this.bloomIndex + (i - 1) * 4) : 0;
    const end = readUInt32BE(this.bytes, this.bloomIndex + i * 4);
    // an empty filter is "nothing known" to git too
    return end > start ? this.bytes.subarray(this.bloomData! + start, this.bloomData! + end) : undefined;
  }
}

/** A commit's row: the tree's hex made only if asked (a walk skipping the commit never does). */
class GraphRowView implements GraphCommit {
  readonly committer: { readonly timestamp: number };

  constructor(
    private readonly bytes: Uint8Array,
    private readonly row: number,
    readonly oid: string,
    readonly parents: readonly string[],
    timestamp: number,
    readonly position: number,
  ) {
    this.committer = { timestamp };
  }

  get tree(): string {
    return toHex(this.bytes, this.row, this.row + HASH);
  }
}

/** One commit to write: every parent must be in the same file. */
export interface GraphRow {
  readonly oid: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly timestamp: number;
  /** its changed-path filter against its first parent (bloom.ts); all rows have one, or none */
  readonly filter?: Uint8Array;
}

/** The bytes of a commit-graph file holding these commits (version 1 Bloom filters when given). */
export function serializeCommitGraph(rows: readonly GraphRow[]): Uint8Array {
  const sorted = [...rows].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  const position = new Map(sorted.map((row, i) => [row.oid, i]));
  const generation = topologicalLevels(sorted, position);
  const edges: number[] = [];
  const data = new Uint8Array(n * ROW);
  sorted.forEach((row, i) => {
    const at = i * ROW;
    data.set(fromHex(row.tree), at);
    const pos = row.parents.map((p) => {
      const found = position.get(p);
      if (found === undefined) throw new Error(`commit-graph: parent ${p} of ${row.oid} is not in the graph`);
      return found;
    });
    writeUInt32BE(data, pos.length ? pos[0] : NO_PARENT, at + HASH);
    if (pos.length > 2) {
      writeUInt32BE(data, (OCTOPUS | edges.length) >>> 0, at + HASH + 4);
      pos.slice(1).forEach((p, k) => edges.push(k === pos.length - 2 ? (OCTOPUS | p) >>> 0 : p));
    } else writeUInt32BE(data, pos.length > 1 ? pos[1] : NO_PARENT, at + HASH + 4);
    const time = Math.max(0, Math.min(row.timestamp, 2 ** 34 - 1));
    writeUInt32BE(data, ((generation[i] << 2) | Math.floor(time / 2 ** 32)) >>> 0, at + HASH + 8);
    writeUInt32BE(data, time >>> 0, at + HASH + 12);
  });
  const fan = new Uint8Array(256 * 4);
  const firsts = new Uint32Array(256);
  for (const row of sorted) firsts[parseInt(row.oid.slice(0, 2), 16)]++;
  for (let i = 0, total = 0; i < 256; i++) writeUInt32BE(fan, (total += firsts[i]), i * 4);
  const oidl = new Uint8Array(n * HASH);
  sorted.forEach((row, i) => oidl.set(fromHex(row.oid), i * HASH));
  const chunks: [number, Uint8Array][] = [[OIDF, fan], [OIDL, oidl], [CDAT, data]];
  if (edges.length) {
    const edge = new Uint8Array(edges.length * 4);
    edges.forEach((e, i) => writeUInt32BE(edge, e, i * 4));
    chunks.push([EDGE, edge]);
  }
  if (n && sorted.every((row) => row.filter)) {
    const index = new Uint8Array(n * 4);
    let total = 0;
    sorted.forEach((row, i) => writeUInt32BE(index, (total += row.filter!.length), i * 4));
    const filters = new Uint8Array(BDAT_HEADER + total);
    writeUInt32BE(filters, 1, 0);
    writeUInt32BE(filters, BLOOM_HASHES, 4);
    writeUInt32BE(filters, BLOOM_BITS_PER_ENTRY, 8);
    let at = BDAT_HEADER;
    for (const row of sorted) {
      filters.set(row.filter!, at);
      at += row.filter!.length;
    }
    chunks.push([BIDX, index], [BDAT, filters]);
  }
  const tableEnd = HEADER + (chunks.length + 1) * 12;
  const size = tableEnd + chunks.reduce((sum, [, c]) => sum + c.length, 0);
  const out = new Uint8Array(size + HASH);
  writeUInt32BE(out, SIGNATURE, 0);
  out.set([1, 1, chunks.length, 0], 4);
  let offset = tableEnd;
  chunks.forEach(([chunk, bytes], i) => {
    writeUInt32BE(out, chunk, HEADER + i * 12);
    writeUInt32BE(out, offset, HEADER + i * 12 + 8); // files under 4 GiB: the high word stays 0
    out.set(bytes, offset);
    offset += bytes.length;
  });
  writeUInt32BE(out, offset, HEADER + chunks.length * 12 + 8);
  out.set(fromHex(platform().sha1(out.subarray(0, size))), size);
  return out;
}

/** Generation numbers v1: 1 for a root, else one more than the highest parent (iterative: histories are deep). */
function topologicalLevels(rows: readonly GraphRow[], position: ReadonlyMap<string, number>): Uint32Array {
  const level = new Uint32Array(rows.length);
  for (let start = 0; start < rows.length; start++) {
    if (level[start]) continue;
    const stack = [start];
    while (stack.length) {
      const i = stack[stack.length - 1];
      if (level[i]) {
        stack.pop();
        continue;
      }
      let max = 0;
      let pending = false;
      for (const p of rows[i].parents) {
        const j = position.get(p)!;
        if (!level[j]) {
          stack.push(j);
          pending = true;
        } else max = Math.max(max, level[j]);
      }
      if (pending) continue;
      level[i] = Math.min(max + 1, GENERATION_V1_MAX);
      stack.pop();
    }
  }
  return level;
}
