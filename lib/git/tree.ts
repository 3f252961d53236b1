// Git tree objects: parsing raw bytes into entries and writing entries back in git's order.
import { CorruptObjectError } from '../errors.js';
import { fromLatin1, fromUtf8, hexInto, toHex, utf8 } from '../util/bytes.js';

export type EntryMode = '100644' | '100755' | '120000' | '40000' | '160000';

export interface TreeEntry {
  readonly mode: EntryMode;
  readonly oid: string;
}

export const TREE_MODE: EntryMode = '40000';
export const FILE_MODE: EntryMode = '100644';

export function isTreeMode(mode: string): boolean {
  return mode === TREE_MODE;
}

const MODES: readonly EntryMode[] = ['100644', '40000', '100755', '120000', '160000'];
const MODE_BYTES = MODES.map((mode) => [...mode].map((c) => c.charCodeAt(0)));

/** The mode spelled by `bytes[start, end)`: the ones git writes as constants, without decoding. */
export function modeAt(bytes: Uint8Array, start: number, end: number): EntryMode {
  for (let m = 0; m < MODE_BYTES.length; m++) {
    const want = MODE_BYTES[m];
    if (want.length !== end - start) continue;
    let i = 0;
    while (i < want.length && bytes[start + i] === want[i]) i++;
    if (i === want.length) return MODES[m];
  }
  const mode = fromLatin1(bytes, start, end);
  return (mode === '040000' ? TREE_MODE : mode) as EntryMode;
}

/** Work done on trees, counted for tests that check an operation's cost without timing it. */
export const treeWork = { entriesParsed: 0, entriesCompared: 0, tablesBuilt: 0, rawDiffs: 0 };

/** Calls `visit` with where each entry's mode starts, its space and its NUL (the oid follows). */
function scanEntries(content: Uint8Array, where: string, visit: (at: number, space: number, nul: number) => void): void {
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = space < 0 ? -1 : content.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > content.length) {
      throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    }
    visit(at, space, nul);
    at = nul + 21;
  }
}

/** Parses a tree's raw bytes into a name → entry map (in the tree's own order). */
export function parseTree(content: Uint8Array, where = 'tree'): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  scanEntries(content, where, (at, space, nul) => {
    entries.set(fromUtf8(content, space + 1, nul), { mode: modeAt(content, at, space), oid: toHex(content, nul + 1, nul + 21) });
  });
  treeWork.entriesParsed += entries.size;
  return entries;
}

/**
 * Each entry's oid, mode and where its name lies (`content[nameStart, nameEnd)`), names not decoded
 * and no map built: for walks over every entry of many large trees (a transfer's object walk, a
 * fetch's connectivity check). With `reference` (another version of the same folder, already
 * walked), entries byte-identical to its same-named entry are skipped: 100 versions of a
 * 10,000-entry folder cost their changes, plus one byte compare an entry.
 */
export function forEachTreeOid(
  content: Uint8Array,
  where: string,
  visit: (oid: string, mode: EntryMode, nameStart: number, nameEnd: number) => void,
  reference?: Uint8Array,
): void {
  forEachTreeEntry(content, where, (oidAt, mode, nameStart, nameEnd) => visit(toHex(content, oidAt, oidAt + 20), mode, nameStart, nameEnd), reference);
}

/** forEachTreeOid with where each oid lies (`content[oidAt, oidAt + 20)`) instead of its hex: no string an entry. */
export function forEachTreeEntry(
  content: Uint8Array,
  where: string,
  visit: (oidAt: number, mode: EntryMode, nameStart: number, nameEnd: number) => void,
  reference?: Uint8Array,
): void {
  if (!reference) {
    scanEntries(content, where, (at, space, nul) => visit(nul + 1, modeAt(content, at, space), space + 1, nul));
    return;
  }
  let r = 0;
  for (let at = 0; at < content.length; ) {
    // the common case: the same bytes at the reference's position, found in one tight loop; every
    // whole entry among them (a name ends at its first NUL, 20 bytes of oid follow) is the
    // reference's same entry, skipped
    const whole = sameEntriesEnd(content, at, reference, r);
    if (whole > at) {
      r += whole - at;
      at = whole;
      continue;
    }
    // a different entry: parse it, step the reference past the names sorting before it (and onto
    // its own name when the reference has it)
    const sp = content.indexOf(0x20, at);
    const nl = sp < 0 ? -1 : content.indexOf(0, sp + 1);
    if (sp < 0 || nl < 0 || nl + 21 > content.length) throw new CorruptObjectError({ path: where, reason: 'tree object is truncated' });
    const isTree = sp - at === 5 && content[at] === 0x34;
    let unchanged = false;
    while (r < reference.length) {
      const rSpace = reference.indexOf(0x20, r);
      const rNul = rSpace < 0 ? -1 : reference.indexOf(0, rSpace + 1);
      if (rSpace < 0 || rNul < 0) {
        r = reference.length;
        break;
      }
      const cmp = compareKeys(reference, rSpace + 1, rNul, rSpace - r === 5 && reference[r] === 0x34, content, sp + 1, nl, isTree);
      if (cmp > 0) break;
      if (cmp === 0 && rNul - r === nl - at) {
        unchanged = true;
        for (let i = 0; unchanged && i < nl + 21 - at; i++) unchanged = reference[r + i] === content[at + i];
      }
      r = rNul + 21;
      if (cmp === 0) break;
    }
    if (!unchanged) visit(nl + 1, modeAt(content, at, sp), sp + 1, nl);
    at = nl + 21;
  }
}

/**
 * Where the entries of tree bytes `a` from `at` stop being byte-identical to those of `b` from
 * `r` (both entry starts): the bytes equal are found in one tight loop, then the whole entries
 * among them counted (a name ends at its first NUL, 20 bytes of oid follow). `at` when none is.
 */
export function sameEntriesEnd(a: Uint8Array, at: number, b: Uint8Array, r: number): number {
  const max = Math.min(a.length - at, b.length - r);
  let k = 0;
  while (k < max && a[at + k] === b[r + k]) k++;
  let whole = at;
  for (;;) {
    // a mode and its space take at least 6 bytes: the name's NUL comes after them
    const nul = a.indexOf(0, whole + 6);
    if (nul < 0 || nul + 21 > at + k) return whole;
    whole = nul + 21;
  }
}

/** Git sorts tree entries by name, comparing a subtree's name as if it ended in '/'. */
export function sortKey(name: string, mode: string): Uint8Array {
  return utf8(isTreeMode(mode) ? `${name}/` : name);
}

/** One entry's bytes: `<mode> <name>\0<20-byte oid>`. */
export function entryBytes(name: string, entry: TreeEntry): Uint8Array {
  const head = utf8(`${entry.mode} ${name}\0`);
  const out = new Uint8Array(head.length + 20);
  out.set(head);
  hexInto(entry.oid, out, head.length);
  return out;
}

/** Serializes entries into a tree's canonical bytes (empty trees are allowed but never written by us). */
export function serializeTree(entries: Iterable<[string, TreeEntry]>): Uint8Array {
  // every entry is written once into one growing buffer and sorted as offsets into it: a buffer,
  // a key and a record per entry made ~450 bytes of garbage each, ~45 MB for a folder of 100,000
  // objects, all alive until the end (what set an import's peak memory)
  let buffer = new Uint8Array(4096);
  let length = 0;
  const starts: number[] = [];
  const names: number[] = [];
  const ends: number[] = [];
  const trees: boolean[] = [];
  for (const [name, entry] of entries) {
    // the longest entry: a mode, a space, three bytes a UTF-16 unit, NUL and the oid
    const most = entry.mode.length + 1 + 3 * name.length + 21;
    if (length + most > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, length + most));
      grown.set(buffer.subarray(0, length));
      buffer = grown;
    }
    const start = length;
    for (let i = 0; i < entry.mode.length; i++) buffer[length++] = entry.mode.charCodeAt(i);
    buffer[length++] = 0x20;
    starts.push(start);
    names.push(length);
    let ascii = true;
    for (let i = 0; ascii && i < name.length; i++) ascii = name.charCodeAt(i) < 0x80;
    if (ascii) for (let i = 0; i < name.length; i++) buffer[length++] = name.charCodeAt(i);
    else {
      const bytes = utf8(name);
      buffer.set(bytes, length);
      length += bytes.length;
    }
    ends.push(length);
    trees.push(isTreeMode(entry.mode));
    buffer[length++] = 0;
    hexInto(entry.oid, buffer, length);
    length += 20;
  }
  const order = names.map((_, i) => i);
  order.sort((a, b) => compareKeys(buffer, names[a], ends[a], trees[a], buffer, names[b], ends[b], trees[b]));
  const out = new Uint8Array(length);
  let at = 0;
  for (const i of order) {
    for (let k = starts[i], end = ends[i] + 21; k < end; k++) out[at++] = buffer[k];
  }
  return out;
}

/** Compares two names' sort keys: the bytes `a[aStart, aEnd)`, plus '/' for a tree, against b's. */
export function compareKeys(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  aTree: boolean,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
  bTree: boolean,
): number {
  const aLength = aEnd - aStart + (aTree ? 1 : 0);
  const bLength = bEnd - bStart + (bTree ? 1 : 0);
  const n = Math.min(aLength, bLength);
  for (let i = 0; i < n; i++) {
    const x = aStart + i < aEnd ? a[aStart + i] : 0x2f;
    const y = bStart + i < bEnd ? b[bStart + i] : 0x2f;
    if (x !== y) return x - y;
  }
  return aLength - bLength;
}

/** Compares a raw entry's sort key (name bytes, plus '/' for a tree) with a precomputed key. */
export function compareRawKey(raw: Uint8Array, start: number, end: number, isTree: boolean, key: Uint8Array): number {
  return compareKeys(raw, start, end, isTree, key, 0, key.length, false);
}
