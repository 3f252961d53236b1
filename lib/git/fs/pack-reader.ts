// Reading objects out of one packfile through its index (version 2, or 1): the fan-out table narrows the
// search to one first byte, a binary search over raw 20-byte oids finds the offset, and the entry
// is inflated in place (deltas resolved against their bases). Reads are positional and
// synchronous once the pack is open: a few microseconds each, far below what a round trip through
// the thread pool costs.
import { CorruptObjectError } from '../../errors.js';
import { platform } from '../../platform/current.js';
import { concatBytes, fromHex, readUInt16LE, readUInt32BE, readUInt64BE, toHex } from '../../util/bytes.js';
import { Lru } from '../../util/lru.js';
import type { GitObject } from '../object.js';
import type { FileSystem, RandomAccessFile, StoredEntry } from '../ports.js';
import { scanForEntry, TreeOffsets } from '../tree-entry.js';
import type { TreeEntry } from '../tree.js';
import { applyDelta, CODE_TYPE, decodeEntryHeader, OFS_DELTA, REF_DELTA, TYPE_CODE } from './pack-format.js';

const IDX_MAGIC = 0xff744f63;
const STORED_BLOCK = 64 * 1024;
/** Bytes of a stored block joined to the entry the block before cut off: more than any entry holds
 *  (a mode, a name of at most 255 bytes, an oid), so the join nearly always settles that entry. */
const JOIN_BYTES = 512;
/** 4 MiB of blocks per pack at most */
const STORED_BLOCKS_KEPT = 64;

/** A pack file that is gone (another process merged it away): the caller lists the packs again. */
export class PackGoneError extends Error {
  constructor(readonly base: string) {
    super(`pack ${base}.pack is gone`);
    this.name = 'PackGoneError';
  }
}

/** Bytes read at an entry's offset at once: its header, and all of a small object's data
 *  (under Node's 4 KiB buffer-pool limit, so no allocation of its own). */
const FIRST_READ = 4000;
/** Bytes a ReadWindow reads at once: a build's 100,000 small entries in ~100 reads instead of 100,000. */
const WINDOW = 1 << 20;

/**
 * A window onto one pack file for reads at ascending offsets (a bulk read in storage order): each
 * read is served from the last large read when it falls inside it, so the file is read front to
 * back in large pieces instead of one positional read (and one buffer) per object.
 */
export class ReadWindow {
  private start = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  /** the last read reached the end of the file: what lies past the window's end does not exist */
  private atEnd = false;

  /** `length` bytes from `position` (fewer at the end of the file), as RandomAccessFile.read gives them. */
  read(file: RandomAccessFile, position: number, length: number): Uint8Array {
    const from = position - this.start;
    if (from < 0 || from >= this.bytes.length || (from + length > this.bytes.length && !this.atEnd)) {
      const want = Math.max(WINDOW, length);
      this.bytes = file.read(position, want);
      this.start = position;
      this.atEnd = this.bytes.length < want;
      return this.bytes.subarray(0, length);
    }
    return this.bytes.subarray(from, Math.min(from + length, this.bytes.length));
  }
}

/** A whole entry not inflated yet: its type, its size inflated, and bytes starting with its zlib stream. */
export interface DeferredEntry {
  deferred: true;
  type: GitObject['type'];
  size: number;
  stream: Uint8Array;
}

export class PackFile {
  private file: RandomAccessFile | undefined;
  private readonly count: number;
  /** where the fan-out table starts: after the header in version 2, at 0 in version 1 */
  private readonly fanoutAt: number;
  /** version 2 keeps oids (20 bytes each) and offsets in separate tables; version 1 interleaves
   *  a 4-byte offset and the oid in 24-byte records */
  private readonly v1: boolean;
  private readonly offsetsAt: number;
  /** every entry's offset ascending, and its place in the index; built on first need: where an
   *  entry ends is where the next starts (git's .rev file) */
  private byOffset: { offsets: Float64Array; positions: Uint32Array } | undefined;
  /** blocks storedEntry read lately, by block number: a push copies thousands of small entries,
   *  most near others it copies (their commit's), in no order the file has */
  private blocks = new Map<number, Uint8Array>();
  /** delta bases recently used, by offset: delta chains share their bases */
  private readonly bases = new Lru<number, GitObject>(8 << 20, (o) => o.content.length + 100);

  private constructor(
    private readonly fs: FileSystem,
    readonly base: string,
    private readonly idx: Uint8Array,
  ) {
    this.v1 = readUInt32BE(idx, 0) !== IDX_MAGIC;
    this.fanoutAt = this.v1 ? 0 : 8;
    this.count = readUInt32BE(idx, this.fanoutAt + 255 * 4);
    this.offsetsAt = 8 + 1024 + this.count * 24;
  }

  /** Loads `<base>.idx` (version 2, or git's older version 1); undefined when it is gone or another version. */
  static async load(fs: FileSystem, base: string): Promise<PackFile | undefined> {
    const idx = await fs.readFile(`${base}.idx`);
    if (!idx || idx.length < 1024 + 40) return undefined;
    if (readUInt32BE(idx, 0) === IDX_MAGIC && readUInt32BE(idx, 4) !== 2) return undefined;
    return new PackFile(fs, base, idx);
  }

  /** Where the i-th oid (in oid order) starts in the index. */
  private oidAt(index: number): number {
    return this.v1 ? 1024 + index * 24 + 4 : 8 + 1024 + index * 20;
  }

  get size(): number {
    return this.count;
  }

  /** The range of indexes whose oids start with this byte. */
  private bucket(first: number): [number, number] {
    const lo = first === 0 ? 0 : readUInt32BE(this.idx, this.fanoutAt + (first - 1) * 4);
    return [lo, readUInt32BE(this.idx, this.fanoutAt + first * 4)];
  }

  /** The entry's offset in the pack, or undefined when this pack does not hold the oid (20 raw bytes). */
  find(oid: Uint8Array): number | undefined {
    const idx = this.idx;
    let [lo, hi] = this.bucket(oid[0]);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.oidAt(mid);
      let cmp = 0;
      for (let i = 0; i < 20 && cmp === 0; i++) cmp = oid[i] - idx[at + i];
      if (cmp === 0) return this.offsetOf(mid);
      if (cmp < 0) hi = mid;
      else lo = mid + 1;
    }
    return undefined;
  }

  /** The oids in this pack that start with `prefix` (hex, two digits or more), in order. */
  withPrefix(prefix: string): string[] {
    const bytes = fromHex(prefix.length % 2 ? `${prefix}0` : prefix);
    const [start, end] = this.bucket(bytes[0]);
    // the first index whose oid is not below the prefix's bytes
    let lo = start;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.oidAt(mid);
      let cmp = 0;
      for (let i = 0; i < bytes.length && cmp === 0; i++) cmp = bytes[i] - this.idx[at + i];
      if (cmp > 0) lo = mid + 1;
      else hi = mid;
    }
    const found: string[] = [];
    for (let i = lo; i < end; i++) {
      const at = this.oidAt(i);
      const oid = toHex(this.idx, at, at + 20);
      if (!oid.startsWith(prefix)) break;
      found.push(oid);
    }
    return found;
  }

  private offsetOf(index: number): number {
    if (this.v1) return readUInt32BE(this.idx, 1024 + index * 24);
    const small = readUInt32BE(this.idx, this.offsetsAt + index * 4);
    if (!(small & 0x80000000)) return small;
    const largeAt = this.offsetsAt + this.count * 4 + (small & 0x7fffffff) * 8;
    return readUInt64BE(this.idx, largeAt);
  }

  /** Every (oid, offset) in the pack, in oid order. */
  *entries(): Generator<[string, number]> {
    for (let i = 0; i < this.count; i++) {
      const at = this.oidAt(i);
      yield [toHex(this.idx, at, at + 20), this.offsetOf(i)];
    }
  }

  /**
   * Every entry as stored (header and compressed bytes), in file order, through reads of about
   * `window` bytes: a merge of packs copies them without holding a pack whole. An OFS_DELTA comes
   * with its base's oid, which names the base in any pack.
   */
  async *storedEntries(window = 8 << 20): AsyncGenerator<{ oid: string; bytes: Uint8Array; size: number; headerLength: number; baseOid?: string }> {
    const { offsets, positions } = this.reverseIndex();
    const end = (await this.fileSize()) - 20;
    const file = await this.open();
    let start = 0;
    let bytes: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < offsets.length; i++) {
      const from = offsets[i];
      const to = i + 1 < offsets.length ? offsets[i + 1] : end;
      if (from < start || to > start + bytes.length) {
        bytes = file.read(from, Math.max(window, to - from));
        start = from;
        if (bytes.length < to - from) throw new CorruptObjectError({ path: `${this.base}.pack@${from}`, reason: 'the pack ends inside this entry' });
      }
      const entry = bytes.subarray(from - start, to - start);
      const header = decodeEntryHeader(entry, `${this.base}.pack@${from}`);
      const at = this.oidAt(positions[i]);
      const oid = toHex(this.idx, at, at + 20);
      yield header.type === OFS_DELTA
        ? { oid, bytes: entry, size: header.size, headerLength: header.length, baseOid: this.oidAtOffset(from - header.baseDistance!) }
        : { oid, bytes: entry, size: header.size, headerLength: header.length };
    }
  }

  /** The pack file, opened on first use; PackGoneError when it is gone. */
  async open(): Promise<RandomAccessFile> {
    if (this.file) return this.file;
    const file = await this.fs.open(`${this.base}.pack`);
    if (!file) throw new PackGoneError(this.base);
    if (this.file) {
      file.close();
      return this.file;
    }
    this.file = file;
    return file;
  }

  /**
   * The raw entry at an offset (header and compressed data, exactly as stored), for copying into
   * another pack without inflating and deflating again.
   */
  async rawEntry(offset: number, end: number): Promise<Uint8Array> {
    return (await this.open()).read(offset, end - offset);
  }

  /**
   * The stored entry at an offset, header and compressed bytes exactly as in the file, for copying
   * into another pack: its type code and, for an OFS_DELTA, its base's offset.
   */
  async storedEntry(offset: number): Promise<StoredEntry> {
    const { offsets } = this.reverseIndex();
    const next = this.offsetRank(offset) + 1;
    const end = next < offsets.length ? offsets[next] : (await this.fileSize()) - 20;
    const bytes = await this.blockRead(offset, end);
    const header = decodeEntryHeader(bytes, `${this.base}.pack@${offset}`);
    return {
      type: header.type,
      size: header.size,
      bytes,
      headerLength: header.length,
      ...(header.type === OFS_DELTA ? { baseOid: this.oidAtOffset(offset - header.baseDistance!) } : {}),
      ...(header.type === REF_DELTA ? { baseOid: header.baseOid } : {}),
    };
  }

  /** Bytes [start, end) of a small entry through the aligned blocks kept (one read serves many
   *  entries, whichever order a walk asks them in); a large one read alone. */
  private async blockRead(start: number, end: number): Promise<Uint8Array> {
    const n = Math.floor(start / STORED_BLOCK);
    const blockStart = n * STORED_BLOCK;
    if (end - blockStart > STORED_BLOCK) return this.rawEntry(start, end);
    let bytes = this.blocks.get(n);
    if (bytes) this.blocks.delete(n);
    else {
      bytes = (await this.open()).read(blockStart, STORED_BLOCK);
      if (this.blocks.size >= STORED_BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value!);
    }
    this.blocks.set(n, bytes); // most recent last
    return bytes.subarray(start - blockStart, end - blockStart);
  }

  private reverseIndex(): { offsets: Float64Array; positions: Uint32Array } {
    if (this.byOffset) return this.byOffset;
    const positions = new Uint32Array(this.count);
    const at = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      positions[i] = i;
      at[i] = this.offsetOf(i);
    }
    positions.sort((a, b) => at[a] - at[b]);
    const offsets = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) offsets[i] = at[positions[i]];
    return (this.byOffset = { offsets, positions });
  }

  /** The rank of the entry at `offset` among all offsets (binary search of the reverse index). */
  private offsetRank(offset: number): number {
    const { offsets } = this.reverseIndex();
    let lo = 0;
    let hi = offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    if (offsets[lo] !== offset) throw new CorruptObjectError({ path: `${this.base}.pack@${offset}`, reason: 'no entry starts here' });
    return lo;
  }

  /** The oid of the entry at an offset. */
  private oidAtOffset(offset: number): string {
    const at = this.oidAt(this.reverseIndex().positions[this.offsetRank(offset)]);
    return toHex(this.idx, at, at + 20);
  }

  async fileSize(): Promise<number> {
    return (await this.open()).size();
  }

  /** An entry's header and the bytes that hold its zlib stream (with what follows it, up to a bound). */
  private entryAt(file: RandomAccessFile, offset: number, where: string, sequential?: ReadWindow): { header: ReturnType<typeof decodeEntryHeader>; window: Uint8Array } {
    // one read for most entries (a commit, a small tree or data file): the header and what follows
    const chunk = sequential ? sequential.read(file, offset, FIRST_READ) : file.read(offset, FIRST_READ);
    const header = decodeEntryHeader(chunk, where);
    // zlib output is never much larger than its input: size plus a little bounds the compressed bytes
    const bound = header.size + (header.size >>> 6) + 64;
    const window =
      header.length + bound <= chunk.length || chunk.length < FIRST_READ // all of it, or all up to the end of the file
        ? chunk.subarray(header.length, header.length + bound)
        : sequential ? sequential.read(file, offset + header.length, bound) : file.read(offset + header.length, bound);
    return { header, window };
  }

  /**
   * Reads the object at an offset; `external` finds a REF_DELTA base outside this pack; `sequential`
   * serves reads at ascending offsets from large sequential reads.
   */
  async read(offset: number, external: (oid: string) => Promise<GitObject | undefined>, sequential?: ReadWindow): Promise<GitObject> {
    return (await this.readOrDefer(offset, external, sequential, Infinity)) as GitObject;
  }

  /**
   * As `read`, except that a whole (not delta) entry of `deferFrom` bytes or more comes back not
   * inflated, as its type, size and zlib stream: a bulk read inflates those elsewhere (a worker).
   */
  async readOrDefer(
    offset: number,
    external: (oid: string) => Promise<GitObject | undefined>,
    sequential: ReadWindow | undefined,
    deferFrom: number,
  ): Promise<GitObject | DeferredEntry> {
    const file = this.file ?? (await this.open());
    const where = `${this.base}.pack@${offset}`;
    const { header, window } = this.entryAt(file, offset, where, sequential);
    if (header.size >= deferFrom && CODE_TYPE[header.type]) return { deferred: true, type: CODE_TYPE[header.type], size: header.size, stream: window };
    let data: Uint8Array;
    try {
      // inflateAt: the platform decodes small entries (most trees) without setting up a zlib stream each
      data = platform().inflateAt(window, 0, header.size, where).data;
    } catch (error) {
      throw new CorruptObjectError({ path: where, reason: `entry does not inflate (${(error as Error).message})` });
    }
    if (data.length !== header.size) throw new CorruptObjectError({ path: where, reason: 'entry has the wrong size' });
    if (header.type !== OFS_DELTA && header.type !== REF_DELTA) {
      const type = CODE_TYPE[header.type];
      if (!type) throw new CorruptObjectError({ path: where, reason: `unknown entry type ${header.type}` });
      return { type, content: data };
    }
    let base: GitObject | undefined;
    if (header.type === OFS_DELTA) {
      const baseOffset = offset - header.baseDistance!;
      base = this.bases.get(baseOffset) ?? (await this.read(baseOffset, external));
      this.bases.set(baseOffset, base);
    } else {
      const at = this.find(fromHex(header.baseOid!));
      base = at !== undefined ? await this.read(at, external) : await external(header.baseOid!);
    }
    if (!base) throw new CorruptObjectError({ path: where, reason: 'delta base is missing' });
    return { type: base.type, content: applyDelta(base.content, data, where) };
  }

  /**
   * Looks `name` up in a tree entry stored at zlib level 0 (the large folders we write) without
   * inflating it: the first stored block (64 KiB) is read and scanned alone, which settles names
   * that sort early. Otherwise, with `table`, the rest is read in one call, its blocks joined and
   * searched through a table of offsets (returned, for the caller to keep); without, the blocks
   * are read and scanned one at a time up to where the name sorts (a lookup made once: a table
   * would cost a pass over every entry, and a copy of the tree; a history walk makes one such
   * lookup in every version of a folder). Returns null when the entry is not such a tree (a
   * delta, compressed data): the caller reads it whole.
   */
  async scanStoredTree(offset: number, name: string, table = true): Promise<{ entry?: TreeEntry; offsets?: TreeOffsets } | null> {
    const file = this.file ?? (await this.open());
    // one read for the entry's header, zlib's, the first stored block's, and the block's first
    // bytes: a name that sorts early (history asks for `page-0` in every version of its folder)
    // is found there, and the whole 64 KiB block is read only when it is not
    const peek = file.read(offset, FIRST_READ);
    const header = decodeEntryHeader(peek, this.base);
    if (header.type !== TYPE_CODE.tree || peek.length < header.length + 7) return null;
    const start = offset + header.length;
    const first = peek.subarray(header.length + 2, header.length + 7);
    if ((peek[header.length] & 0x0f) !== 8 || peek[header.length + 1] & 0x20) return null;
    if (((first[0] >> 1) & 3) !== 0) return null;
    const firstSize = readUInt16LE(first, 1);
    let head = peek.subarray(header.length + 7, header.length + 7 + firstSize);
    let scan = scanForEntry(head, name);
    if (!scan.done && head.length < firstSize) {
      head = file.read(start + 7, firstSize);
      scan = scanForEntry(head, name);
    }
    if (scan.done) return { entry: scan.found };
    if (first[0] & 1) return scan.consumed === head.length ? {} : null;
    if (table) return this.storedTreeTable(file, start, header.size, head, name);
    return this.scanStoredBlocks(file, start + 7 + firstSize, header.size - firstSize, head.subarray(scan.consumed), name, firstSize);
  }

  /**
   * scanStoredTree's blocks after the first, read and scanned one at a time from `at` (`left`
   * bytes of tree to come), `carry` being the start of an entry the first block cut off.
   */
  private scanStoredBlocks(file: RandomAccessFile, at: number, left: number, carry: Uint8Array, name: string, guess: number): { entry?: TreeEntry } | null {
    for (;;) {
      // a block's header, and as many bytes as the block before held (zlib's blocks are usually of one size)
      let raw = file.read(at, 5 + Math.min(guess, left));
      if (raw.length < 5 || ((raw[0] >> 1) & 3) !== 0) return null;
      const size = readUInt16LE(raw, 1);
      if (size > left) return null;
      if (raw.length < 5 + size) raw = file.read(at, 5 + size);
      if (raw.length < 5 + size) return null;
      const block = raw.subarray(5, 5 + size);
      // the entry cut off at the last block's end, joined to this block's first bytes only (no
      // copy of the whole block); a longer entry than those bytes hold is joined to all of it
      let from = 0;
      let bytes = block;
      if (carry.length) {
        const joined = concatBytes([carry, block.subarray(0, JOIN_BYTES)]);
        const scan = scanForEntry(joined, name);
        if (scan.done) return { entry: scan.found };
        if (scan.consumed >= carry.length) from = scan.consumed - carry.length;
        else bytes = concatBytes([carry, block]);
      }
      const scan = scanForEntry(bytes.subarray(from), name);
      if (scan.done) return { entry: scan.found };
      carry = bytes.subarray(from + scan.consumed);
      left -= size;
      if (raw[0] & 1) return left === 0 && carry.length === 0 ? {} : null;
      at += 5 + size;
      guess = size;
    }
  }

  /** scanStoredTree's whole tree in one read, its blocks joined, searched through its table of offsets (returned). */
  private storedTreeTable(file: RandomAccessFile, start: number, total: number, head: Uint8Array, name: string): { entry?: TreeEntry; offsets: TreeOffsets } | null {
    const firstSize = head.length;
    // the rest, in one read when the blocks are as large as the first (zlib's block size follows
    // the compressor's output buffer, so that is a guess, and more is read if it falls short)
    const left = total - firstSize;
    const blockCount = Math.ceil(left / Math.max(firstSize, 1)) + 1;
    let raw = file.read(start + 7 + firstSize, left + 5 * blockCount);
    const ensure = (end: number): boolean => {
      if (end > raw.length) raw = concatBytes([raw, file.read(start + 7 + firstSize + raw.length, end - raw.length + 4096)]);
      return end <= raw.length;
    };
    const tree = new Uint8Array(total);
    tree.set(head);
    let filled = firstSize;
    for (let at = 0; ; ) {
      if (!ensure(at + 5) || ((raw[at] >> 1) & 3) !== 0) return null;
      const size = readUInt16LE(raw, at + 1);
      if (filled + size > total || !ensure(at + 5 + size)) return null;
      tree.set(raw.subarray(at + 5, at + 5 + size), filled);
      filled += size;
      if (raw[at] & 1) break;
      at += 5 + size;
    }
    if (filled !== total) return null;
    // the whole tree was read: the caller keeps its table of offsets for the next lookups
    const offsets = new TreeOffsets(tree, this.base);
    return { entry: offsets.find(name), offsets };
  }

  close(): void {
    this.blocks.clear();
    this.file?.close();
    this.file = undefined;
  }
}
