// Differences between two trees, file by file, descending only into subtrees whose oids differ
// (dulwich's tree_changes): unchanged parts of a large tree cost nothing. Two versions of one large
// tree are compared on their raw bytes (diffRawTrees), without parsing either.
import { CorruptObjectError } from '../errors.js';
import { fromUtf8, toHex } from '../util/bytes.js';
import { compareKeys, isTreeMode, modeAt, parseTree, type TreeEntry, treeWork } from './tree.js';
import { TreeOffsets } from './tree-entry.js';

export type Tree = ReadonlyMap<string, TreeEntry>;
export type ReadTree = (oid: string) => Promise<Tree>;

export interface FileChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
  before?: TreeEntry;
  after?: TreeEntry;
}

const EMPTY: Tree = new Map();

/** Reads raw tree bytes by oid: two versions of a tree are then compared without parsing either. */
export interface RawTrees {
  readonly readRawTree: (oid: string) => Promise<Uint8Array>;
}

/** The entries that differ between two versions of a tree when the writer that made one from the other knows them (undefined: compare them). */
export type KnownChanges = (a: string, b: string) => EntryChange[] | undefined;

/**
 * The files that differ between trees `a` and `b`, in name order, subtrees before their own entry.
 * Given raw reads, equal entries are skipped on their bytes: a folder of 100,000 objects with a
 * thousand changes decodes two thousand entries, not two hundred thousand. Where `known` lists a
 * folder's changes (staging patched one version into the other), neither version is read.
 */
export async function* diffTrees(
  read: ReadTree | RawTrees,
  a: string | null,
  b: string | null,
  prefix = '',
  known?: KnownChanges,
): AsyncGenerator<FileChange> {
  if (a === b) return;
  const listed = a && b ? known?.(a, b) : undefined;
  const changed = listed
    ? [...listed].sort(byName)
    : typeof read === 'function'
      ? changedEntries(a ? await read(a) : EMPTY, b ? await read(b) : EMPTY)
      : changedRawEntries(a ? await read.readRawTree(a) : EMPTY_RAW, b ? await read.readRawTree(b) : EMPTY_RAW, prefix || (a ?? b)!);
  for (const { name, before, after } of changed) {
    const path = prefix + name;
    const beforeTree = before && isTreeMode(before.mode) ? before.oid : null;
    const afterTree = after && isTreeMode(after.mode) ? after.oid : null;
    if (beforeTree || afterTree) yield* diffTrees(read, beforeTree, afterTree, `${path}/`, known);
    const beforeFile = before && !beforeTree ? before : undefined;
    const afterFile = after && !afterTree ? after : undefined;
    if (beforeFile && afterFile) yield { path, status: 'modified', before: beforeFile, after: afterFile };
    else if (beforeFile) yield { path, status: 'deleted', before: beforeFile };
    else if (afterFile) yield { path, status: 'added', after: afterFile };
  }
}

const byName = (x: EntryChange, y: EntryChange) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/** The names whose entries differ between two parsed trees, in name order. */
function changedEntries(left: Tree, right: Tree): EntryChange[] {
  const changes: EntryChange[] = [];
  for (const [name, before] of left) {
    const after = right.get(name);
    if (!after || before.oid !== after.oid || before.mode !== after.mode) changes.push({ name, before, after });
  }
  for (const [name, after] of right) if (!left.has(name)) changes.push({ name, after });
  return changes.sort(byName);
}

const EMPTY_RAW = new Uint8Array(0);

/** One raw entry's bounds: its mode starts at `at`, its name after `space`, its oid after `nul`. */
interface RawEntry {
  at: number;
  space: number;
  nul: number;
}

function rawEntry(raw: Uint8Array, at: number, where: string): RawEntry {
  const space = raw.indexOf(0x20, at);
  const nul = space < 0 ? -1 : raw.indexOf(0, space + 1);
  if (space < 0 || nul < 0 || nul + 21 > raw.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
  return { at, space, nul };
}

const decodeEntry = (raw: Uint8Array, e: RawEntry): TreeEntry => ({ mode: modeAt(raw, e.at, e.space), oid: toHex(raw, e.nul + 1, e.nul + 21) });
const isTreeAt = (raw: Uint8Array, e: RawEntry) => isTreeMode(modeAt(raw, e.at, e.space));

/** The length of the entry at `i` of `a` if the one at `j` of `b` has the same bytes, else 0: one pass, no decoding. */
function sameEntryLength(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  const max = Math.min(a.length - i, b.length - j);
  // mode, space and name hold no NUL: the first one ends them, and the oid's 20 bytes follow
  let k = 0;
  for (;;) {
    if (k >= max) return 0;
    const x = a[i + k];
    if (x !== b[j + k]) return 0;
    k++;
    if (x === 0) break;
  }
  if (k + 20 > max) return 0;
  for (let m = k + 19; m >= k; m--) if (a[i + m] !== b[j + m]) return 0;
  return k + 20;
}

/**
 * The names whose entries differ between two raw trees, in name order: both are walked in step in
 * git's tree order, and an entry whose bytes equal the other side's is passed over undecoded. A name
 * that is a file on one side and a folder on the other sorts apart ("a" and "a/"), so entries found
 * on one side only are paired by name at the end. Trees out of git's order (which git itself
 * refuses) are compared parsed, so the answer never depends on the order.
 */
export function changedRawEntries(left: Uint8Array, right: Uint8Array, where: string): EntryChange[] {
  const changes: EntryChange[] = [];
  const gone = new Map<string, TreeEntry>();
  const came = new Map<string, TreeEntry>();
  let i = 0;
  let j = 0;
  let lastLeft: RawEntry | undefined;
  let lastRight: RawEntry | undefined;
  const inOrder = (raw: Uint8Array, last: RawEntry | undefined, e: RawEntry) =>
    !last || compareKeys(raw, last.space + 1, last.nul, isTreeAt(raw, last), raw, e.space + 1, e.nul, isTreeAt(raw, e)) < 0;
  while (i < left.length || j < right.length) {
    const same = sameEntryLength(left, i, right, j);
    if (same) {
      i += same;
      j += same;
      continue;
    }
    const l = i < left.length ? rawEntry(left, i, where) : undefined;
    const r = j < right.length ? rawEntry(right, j, where) : undefined;
    if ((l && !inOrder(left, lastLeft, l)) || (r && !inOrder(right, lastRight, r))) return changedEntries(parseTree(left, where), parseTree(right, where));
    const order = !l ? 1 : !r ? -1 : compareKeys(left, l.space + 1, l.nul, isTreeAt(left, l), right, r.space + 1, r.nul, isTreeAt(right, r));
    if (order <= 0) {
      lastLeft = l;
      i = l!.nul + 21;
    }
    if (order >= 0) {
      lastRight = r;
      j = r!.nul + 21;
    }
    treeWork.entriesParsed += order === 0 ? 2 : 1;
    if (order === 0) changes.push({ name: fromUtf8(left, l!.space + 1, l!.nul), before: decodeEntry(left, l!), after: decodeEntry(right, r!) });
    else if (order < 0) gone.set(fromUtf8(left, l!.space + 1, l!.nul), decodeEntry(left, l!));
    else came.set(fromUtf8(right, r!.space + 1, r!.nul), decodeEntry(right, r!));
  }
  for (const [name, before] of gone) {
    const after = came.get(name);
    came.delete(name);
    changes.push({ name, before, after });
  }
  for (const [name, after] of came) changes.push({ name, after });
  return changes.sort(byName);
}

/** One name whose entry differs between two versions of a tree (before absent: added; after absent: removed). */
export interface EntryChange {
  name: string;
  before?: TreeEntry;
  after?: TreeEntry;
}

/** The same bytes, copied if need be so that `byteOffset % 4 === mod` (32-bit views then line up). */
function alignedTo(bytes: Uint8Array, mod: number): Uint8Array {
  if ((bytes.byteOffset & 3) === mod) return bytes;
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 4), mod, bytes.length);
  out.set(bytes);
  return out;
}

/** How many leading bytes `a` and `b` share, compared four at a time. */
function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  b = alignedTo(b, a.byteOffset & 3);
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && (a.byteOffset + i) & 3) {
    if (a[i] !== b[i]) return i;
    i++;
  }
  const words = i < max ? (max - i) >>> 2 : 0;
  const wa = new Int32Array(a.buffer, words ? a.byteOffset + i : 0, words);
  const wb = new Int32Array(b.buffer, words ? b.byteOffset + i : 0, words);
  let w = 0;
  while (w < words && wa[w] === wb[w]) w++;
  i += w << 2;
  while (i < max && a[i] === b[i]) i++;
  return i;
}

/** How many trailing bytes `a` and `b` share (at most `limit`), compared four at a time. */
function commonSuffix(a: Uint8Array, b: Uint8Array, limit: number): number {
  b = alignedTo(b, (((a.byteOffset + a.length - b.length) % 4) + 4) % 4);
  const max = Math.min(limit, a.length, b.length);
  const da = a.length - 1;
  const db = b.length - 1;
  let i = 0;
  while (i < max && (a.byteOffset + a.length - i) & 3) {
    if (a[da - i] !== b[db - i]) return i;
    i++;
  }
  const words = i < max ? (max - i) >>> 2 : 0;
  const endA = a.byteOffset + a.length - i;
  const endB = b.byteOffset + b.length - i;
  const wa = new Int32Array(a.buffer, words ? endA - words * 4 : 0, words);
  const wb = new Int32Array(b.buffer, words ? endB - words * 4 : 0, words);
  let w = 0;
  while (w < words && wa[words - 1 - w] === wb[words - 1 - w]) w++;
  i += w << 2;
  while (i < max && a[da - i] === b[db - i]) i++;
  return i;
}

/** The largest i in [lo, hi] with starts[i] <= at. */
function entryAtOrBefore(starts: Uint32Array, lo: number, hi: number, at: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The entry at `at` of raw tree bytes, and where the next starts. */
function entryAt(raw: Uint8Array, at: number, where: string): { name: string; entry: TreeEntry; end: number } {
  const e = rawEntry(raw, at, where);
  return { name: fromUtf8(raw, e.space + 1, e.nul), entry: decodeEntry(raw, e), end: e.nul + 21 };
}

/**
 * The entries that differ between two versions of one tree, from their raw bytes: the shared
 * leading and trailing bytes are skipped four at a time, and only the entries between them are
 * decoded. `a`'s table of entry offsets places both ends on entry boundaries; the result carries
 * `b`'s table (the same offsets before the change, shifted after it), so a chain of diffs over a
 * folder of 100,000 objects costs a few memory compares each, never a parse.
 */
export function diffRawTrees(a: TreeOffsets, b: Uint8Array, where = 'tree'): { changes: EntryChange[]; after: TreeOffsets } {
  treeWork.rawDiffs++;
  const raw = a.raw;
  const count = a.count;
  const starts = a.starts;
  const p = commonPrefix(raw, b);
  // the first entry not wholly inside the shared prefix: entries before it are the same in b
  const i0 = entryAtOrBefore(starts, 0, count, p);
  const s = starts[i0];
  const suffix = commonSuffix(raw, b, Math.min(raw.length, b.length) - s);
  const shift = b.length - raw.length;
  // a's first entry wholly inside the shared suffix
  let j = entryAtOrBefore(starts, i0, count, raw.length - suffix);
  if (starts[j] < raw.length - suffix) j++;
  const ea = starts[j];
  // b's entries from s on, until a boundary of b that is also one of a inside the shared suffix
  const added = new Map<string, TreeEntry>();
  const bStarts: number[] = [];
  let t = s;
  for (;;) {
    if (t - shift >= ea) {
      while (starts[j] < t - shift) j++;
      if (starts[j] === t - shift) break;
    }
    if (t >= b.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    const e = entryAt(b, t, where);
    bStarts.push(t);
    added.set(e.name, e.entry);
    t = e.end;
  }
  const changes: EntryChange[] = [];
  for (let i = i0; i < j; i++) {
    const e = entryAt(raw, starts[i], where);
    const after = added.get(e.name);
    added.delete(e.name);
    if (!after || after.oid !== e.entry.oid || after.mode !== e.entry.mode) changes.push({ name: e.name, before: e.entry, after });
  }
  for (const [name, after] of added) changes.push({ name, after });
  changes.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const table = new Uint32Array(i0 + bStarts.length + (count - j) + 1);
  table.set(starts.subarray(0, i0));
  table.set(bStarts, i0);
  const tail = i0 + bStarts.length;
  for (let i = j; i <= count; i++) table[tail + i - j] = starts[i] + shift;
  return { changes, after: new TreeOffsets(b, where, table) };
}

/** One re-encoding of a large tree by patch: the entries that changed from `from` to `to`. */
interface TreePatch {
  from: string;
  changes: EntryChange[];
  /** the new version's table (only the newest patch keeps one: each holds the tree's bytes) */
  after?: TreeOffsets;
}

/** Patches remembered: enough for the saves and commit between two queries, each a few entries. */
const PATCHES_KEPT = 64;

/**
 * The change lists of the large trees a writer re-encoded by patching (the staged tree does, at
 * every hash of a dirty folder of 100,000 objects): the entries that differ between two versions
 * are then known without comparing their bytes. Keyed by oids, so a record is never wrong, only
 * possibly forgotten (then the caller diffs).
 */
export class TreePatches {
  private readonly byResult = new Map<string, TreePatch>();
  private newest?: TreePatch;

  /** `table` is the old version's, `changes` what the patch put (null: removed), `after` its result. */
  record(from: string, to: string, table: TreeOffsets, changes: ReadonlyMap<string, TreeEntry | null>, after: TreeOffsets): void {
    if (from === to) return;
    const list: EntryChange[] = [];
    for (const [name, entry] of changes) {
      const before = table.find(name);
      if (before?.oid === entry?.oid && before?.mode === entry?.mode) continue;
      list.push({ name, ...(before && { before }), ...(entry && { after: entry }) });
    }
    if (this.newest) this.newest.after = undefined;
    this.newest = { from, changes: list, after };
    this.byResult.delete(to);
    this.byResult.set(to, this.newest);
    if (this.byResult.size > PATCHES_KEPT) this.byResult.delete(this.byResult.keys().next().value!);
  }

  /**
   * The entries that differ from tree `a` to tree `b` when a chain of recorded patches leads from
   * one to the other (undefined: unknown, diff them), and `b`'s table when it is still held.
   */
  between(a: string, b: string): { changes: EntryChange[]; after?: TreeOffsets } | undefined {
    const chain: TreePatch[] = [];
    for (let at = b; at !== a; ) {
      const patch = this.byResult.get(at);
      // a cycle (a change and its undo) never reaches a, and is bounded by what is kept
      if (!patch || chain.length >= PATCHES_KEPT) return undefined;
      chain.push(patch);
      at = patch.from;
    }
    // oldest first: each name keeps its first `before` and its last `after`
    const net = new Map<string, EntryChange>();
    for (let i = chain.length - 1; i >= 0; i--) {
      for (const change of chain[i].changes) {
        const first = net.get(change.name);
        const before = first ? first.before : change.before;
        const merged: EntryChange = { name: change.name };
        if (before) merged.before = before;
        if (change.after) merged.after = change.after;
        net.set(change.name, merged);
      }
    }
    const changes = [...net.values()].filter((c) => c.before?.oid !== c.after?.oid || c.before?.mode !== c.after?.mode);
    return { changes, after: chain[0]?.after };
  }
}
