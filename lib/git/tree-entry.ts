// One entry of a stored tree, found in the tree's raw bytes without parsing the others: reading a
// path through a folder of 10,000 objects scans bytes (no strings, no map) until the name is found.
import { CorruptObjectError } from '../errors.js';
import { Lru } from '../util/lru.js';
import { compareBytes, toHex, utf8 } from '../util/bytes.js';
import { compareRawKey, entryBytes, isTreeMode, modeAt, sortKey, type TreeEntry, treeWork } from './tree.js';

/** Where a scan over part of a tree's bytes got to. */
export interface EntryScan {
  /** the entry, when found */
  found?: TreeEntry;
  /** true when the scan can stop: found, or past where the name would sort */
  done: boolean;
  /** bytes of whole entries scanned; the rest is the start of an entry cut off by the buffer's end */
  consumed: number;
}

/** How many bytes of entries the first pass of a scan steps over before it compares one. */
const SCAN_WINDOW = 16 << 10;

/**
 * Scans the whole entries at the start of `buf` (the first bytes of a tree, or all of them) for
 * `name`. Entries are sorted (a subtree as if its name ended in '/'), so a first pass only steps
 * from entry to entry through a window of bytes and compares the last whole one: when it sorts
 * before `name`, so does every entry before it, and the scan goes on with the next window;
 * otherwise a second pass compares names in the window up to where the name sorts.
 */
export function scanForEntry(buf: Uint8Array, name: string): EntryScan {
  const want = utf8(`${name}/`);
  for (let from = 0; from < buf.length; ) {
    const last = lastWholeEntry(buf, from, Math.min(buf.length, from + SCAN_WINDOW));
    if (last < 0) return { done: false, consumed: from };
    const end = entryEnd(buf, last);
    if (!sortsBefore(buf, last, end, want)) {
      const scan = compareEntries(buf, want, from, end);
      if (scan.done) return scan;
    }
    from = end;
  }
  return { done: false, consumed: buf.length };
}

/**
 * The start of the last whole entry starting in `buf[from, limit)`, or -1. Kept this small on
 * purpose: a one-object command runs it cold over thousands of entries, and V8 compiles a small
 * hot function in a fraction of what a larger one costs.
 */
function lastWholeEntry(buf: Uint8Array, from: number, limit: number): number {
  let last = -1;
  const length = buf.length;
  for (let at = from; at < limit; ) {
    // the name starts 6 or 7 bytes in (after the mode and a space), and neither holds a NUL; a
    // loop over the bytes, not indexOf: names are short, and a call per entry cost more
    let nul = at + 6;
    while (nul < length && buf[nul] !== 0) nul++;
    if (nul + 21 > length) break;
    last = at;
    at = nul + 21;
  }
  return last;
}

/** Where the whole entry starting at `at` ends. */
function entryEnd(buf: Uint8Array, at: number): number {
  return buf.indexOf(0, at + 6) + 21;
}

/** Whether the entry at `[at, end)` sorts before the name `want` holds (with its '/'): every entry before it does too. */
function sortsBefore(buf: Uint8Array, at: number, end: number, want: Uint8Array): boolean {
  // a mode is 5 or 6 digits ("40000", "100644"), then a space, the name, a NUL and 20 bytes of oid
  const start = buf[at + 5] === 0x20 ? at + 6 : at + 7;
  const isTree = start - at === 6 && buf[at] === 0x34; // mode "40000"
  return compareRawKey(buf, start, end - 21, isTree, want.subarray(0, want.length - 1)) < 0;
}

/**
 * The second pass of scanForEntry: the whole entries in `buf[from, end)` compared with `want` up
 * to one past it. Not done when none is: the folder `name/` sorts after entries such as `name-x`
 * that sort after the file `name`, and may be in the next bytes.
 */
function compareEntries(buf: Uint8Array, want: Uint8Array, from: number, end: number): EntryScan {
  const length = want.length - 1;
  for (let at = from; at < end; ) {
    const start = buf[at + 5] === 0x20 ? at + 6 : at + 7;
    const nul = buf.indexOf(0, start);
    if (nul - start === length && compareBytes(want, buf, 0, length, start, nul) === 0) {
      const found = { mode: modeAt(buf, at, start - 1), oid: toHex(buf, nul + 1, nul + 21) };
      return { found, done: true, consumed: nul + 21 };
    }
    // past "name/" in byte order means past both places the name could sort to
    if (compareBytes(buf, want, start, Math.min(nul, start + want.length), 0, want.length) > 0) return { done: true, consumed: at };
    at = nul + 21;
  }
  return { done: false, consumed: end };
}

/** The entry named `name` in a tree's raw bytes, or undefined. */
export function findEntry(raw: Uint8Array, name: string, where = 'tree'): TreeEntry | undefined {
  if (raw.length <= INDEX_ABOVE && ASCII.test(name)) return findAsciiEntry(raw, name, where);
  const scan = scanForEntry(raw, name);
  if (!scan.done && scan.consumed !== raw.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
  return scan.found;
}

/** Trees smaller than this are scanned: a table of offsets costs more than it saves. */
export const INDEX_ABOVE = 4096;

const ASCII = /^[\x01-\x7f]*$/;

/**
 * findEntry() in a small tree for an ASCII name, compared as char codes with no encoding and no
 * windows: the first read of each object's own folder (`data.json` among a few entries) runs it
 * cold, before V8 has compiled anything, so fewer calls and steps are most of its cost. Stops
 * where scanForEntry does: at the name, or at the first entry sorting after `name/`.
 */
function findAsciiEntry(raw: Uint8Array, name: string, where: string): TreeEntry | undefined {
  const length = raw.length;
  const wanted = name.length + 1; // with the '/' a folder's name sorts as
  for (let at = 0; at < length; ) {
    const start = raw[at + 5] === 0x20 ? at + 6 : at + 7;
    let nul = start;
    while (nul < length && raw[nul] !== 0) nul++;
    if (nul + 21 > length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    let i = 0;
    const stop = Math.min(nul - start, wanted);
    while (i < stop && raw[start + i] === (i < name.length ? name.charCodeAt(i) : 0x2f)) i++;
    if (i === name.length && nul - start === i) return { mode: modeAt(raw, at, start - 1), oid: toHex(raw, nul + 1, nul + 21) };
    if (i < stop && raw[start + i] > (i < name.length ? name.charCodeAt(i) : 0x2f)) return undefined;
    at = nul + 21;
  }
  return undefined;
}

/**
 * Where each entry of a tree's raw bytes starts, found in one pass; any name is then found by a
 * binary search over the raw entries (git's order), comparing O(log n) names and decoding only
 * the one found. A folder of 100,000 objects is looked up in microseconds, never parsed.
 */
export class TreeOffsets {
  /** the start of every entry, then the end of the bytes */
  readonly starts: Uint32Array;

  /** The table of `raw`, found in one pass; or `starts` when the caller knows them (a patch). */
  constructor(readonly raw: Uint8Array, where = 'tree', starts?: Uint32Array) {
    if (starts) {
      this.starts = starts;
      return;
    }
    // the first read of a large folder in a process builds this table, so it is written for a cold
    // start: a table sized for the most entries the bytes can hold (28 bytes is the smallest
    // entry), and the NUL found by a plain loop, not an indexOf call per entry (a third of the time)
    const length = raw.length;
    const found = new Uint32Array(Math.floor(length / 28) + 2);
    let count = 0;
    for (let at = 0; at < length; ) {
      found[count++] = at;
      let nul = at + 6;
      while (nul < length && raw[nul] !== 0) nul++;
      if (nul + 21 > length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
      at = nul + 21;
    }
    found[count++] = length;
    this.starts = found.slice(0, count);
    treeWork.tablesBuilt++;
  }

  /**
   * The tree with a few entries replaced, added (in git's order) or removed (null), and its table:
   * each change is placed by binary search, the spans between changes are copied whole and their
   * offsets shifted. A commit that changes one object in a folder of 100,000 neither sorts nor
   * re-encodes nor even scans the other entries.
   */
  patch(changes: ReadonlyMap<string, TreeEntry | null>): TreeOffsets {
    // what happens before each old entry: new entries inserted there (in key order), and whether
    // the old entry itself is dropped (replaced or removed)
    const inserts: { at: number; key: Uint8Array; bytes: Uint8Array }[] = [];
    const dropped = new Set<number>();
    for (const [name, entry] of changes) {
      const want = utf8(`${name}/`);
      for (const tree of [false, true]) {
        const at = this.lowerBound(want, tree ? want.length : want.length - 1);
        if (this.at(at, want, tree)) dropped.add(at);
      }
      if (!entry) continue;
      const key = sortKey(name, entry.mode);
      inserts.push({ at: this.lowerBound(key, key.length), key, bytes: entryBytes(name, entry) });
    }
    inserts.sort((a, b) => a.at - b.at || compareBytes(a.key, b.key));
    let size = this.raw.length;
    for (const at of dropped) size -= this.starts[at + 1] - this.starts[at];
    for (const { bytes } of inserts) size += bytes.length;
    const out = new Uint8Array(size);
    const starts = new Uint32Array(this.count - dropped.size + inserts.length + 1);
    let written = 0;
    let entries = 0;
    let next = 0;
    // copies old entries [from, to) whole, shifting their offsets by where they land
    const copy = (from: number, to: number): void => {
      if (from >= to) return;
      const shift = written - this.starts[from];
      for (let i = from; i < to; i++) starts[entries++] = this.starts[i] + shift;
      out.set(this.raw.subarray(this.starts[from], this.starts[to]), written);
      written += this.starts[to] - this.starts[from];
    };
    let spanStart = 0;
    for (const i of [...new Set([...inserts.map(({ at }) => at), ...dropped])].sort((a, b) => a - b)) {
      copy(spanStart, i);
      while (next < inserts.length && inserts[next].at === i) {
        starts[entries++] = written;
        out.set(inserts[next++].bytes, written);
        written += inserts[next - 1].bytes.length;
      }
      spanStart = dropped.has(i) ? i + 1 : i;
    }
    copy(spanStart, this.count);
    starts[entries] = written;
    return new TreeOffsets(out, 'tree', starts);
  }

  get count(): number {
    return this.starts.length - 1;
  }

  /** bytes held beyond the tree's own (for a cache bounded by bytes) */
  get weight(): number {
    return this.starts.byteLength + this.raw.length;
  }

  /** The entry named `name`, or undefined. */
  find(name: string): TreeEntry | undefined {
    const want = utf8(`${name}/`);
    // a file sorts as `name`, a folder as `name/`: the first entry not below `name` is either the
    // file, or else the first entry not below `name/` is the folder
    return this.at(this.lowerBound(want, want.length - 1), want, false) ?? this.at(this.lowerBound(want, want.length), want, true);
  }

  /** The first entry whose sort key is not below `want[0, length)`. */
  private lowerBound(want: Uint8Array, length: number): number {
    const raw = this.raw;
    const key = want.subarray(0, length);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      treeWork.entriesCompared++;
      const at = this.starts[mid];
      const start = raw[at + 5] === 0x20 ? at + 6 : at + 7;
      const nul = this.starts[mid + 1] - 21;
      const isTree = start - at === 6 && raw[at] === 0x34; // mode "40000"
      if (compareRawKey(raw, start, nul, isTree, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The entry at `index` when it is `want`'s name with the given kind. */
  private at(index: number, want: Uint8Array, tree: boolean): TreeEntry | undefined {
    if (index >= this.count) return undefined;
    const raw = this.raw;
    const at = this.starts[index];
    const start = raw[at + 5] === 0x20 ? at + 6 : at + 7;
    const nul = this.starts[index + 1] - 21;
    if (nul - start !== want.length - 1 || compareBytes(raw, want, start, nul, 0, want.length - 1) !== 0) return undefined;
    const mode = modeAt(raw, at, start - 1);
    return isTreeMode(mode) === tree ? { mode, oid: toHex(raw, nul + 1, nul + 21) } : undefined;
  }
}

/** Whatever reads one entry of a stored tree (a Repository does). */
export interface TreeEntryReader {
  readTreeEntry(tree: string, name: string): Promise<TreeEntry | undefined>;
}

/**
 * Looks names up in stored trees through their raw bytes, remembering recent answers: a history
 * walk asks for the same entry of a tree twice (as a commit's, then as its child's parent's).
 */
export function storedEntry(repo: TreeEntryReader): (tree: string, name: string) => Promise<TreeEntry | undefined> {
  const recent = new Lru<string, TreeEntry | null>(1024);
  return async (tree, name) => {
    const key = `${tree} ${name}`;
    const hit = recent.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const entry = await repo.readTreeEntry(tree, name);
    recent.set(key, entry ?? null);
    return entry;
  };
}
