// A stored tree's entries read one at a time straight from its raw bytes, in git's order, for
// merge-joins over two or three trees: a folder of 100,000 objects is 3.6 MB, and turning it into a
// Map of strings costs more than the whole merge of a few changes. Entries compare by bytes (name,
// mode, 20-byte oid); a name becomes a string, and an oid hex, only where the caller needs one.
import { CorruptObjectError } from '../errors.js';
import { modeAt, type TreeEntry } from '../git/tree.js';
import { fromUtf8, toHex } from '../util/bytes.js';

const EMPTY = new Uint8Array(0);

/** The current entry of a tree's bytes, advanced with next(); `done` past the last one. */
export class TreeCursor {
  /** where the current entry starts (its mode) */
  private at = 0;
  /** the name is raw[nameStart, nameEnd); the oid the 20 bytes after nameEnd (a NUL) */
  nameStart = 0;
  nameEnd = 0;
  /** a subtree (mode 40000): its name sorts as if it ended in '/' */
  tree = false;

  constructor(
    readonly raw: Uint8Array = EMPTY,
    private readonly where = 'tree',
  ) {
    this.parse();
  }

  get done(): boolean {
    return this.at >= this.raw.length;
  }

  next(): void {
    this.at = this.nameEnd + 21;
    this.parse();
  }

  private parse(): void {
    const raw = this.raw;
    const at = this.at;
    if (at >= raw.length) return;
    // plain loops: modes and names are short, and a call into TypedArray#indexOf costs more
    const length = raw.length;
    let space = at;
    while (space < length && raw[space] !== 0x20) space++;
    let nul = space + 1;
    while (nul < length && raw[nul] !== 0) nul++;
    if (nul + 21 > length) throw new CorruptObjectError({ path: this.where || '/', reason: 'tree object is truncated' });
    this.nameStart = space + 1;
    this.nameEnd = nul;
    const modeLength = space - at;
    // "40000", or "040000" as some old tools wrote it
    this.tree = (modeLength === 5 && raw[at] === 0x34) || (modeLength === 6 && raw[at] === 0x30 && raw[at + 1] === 0x34);
  }

  /** The current entry's name. */
  name(): string {
    return fromUtf8(this.raw, this.nameStart, this.nameEnd);
  }

  /** The current entry's mode and oid. */
  entry(): TreeEntry {
    return { mode: modeAt(this.raw, this.at, this.nameStart - 1), oid: toHex(this.raw, this.nameEnd + 1, this.nameEnd + 21) };
  }

  /** The current entry's oid. */
  oid(): string {
    return toHex(this.raw, this.nameEnd + 1, this.nameEnd + 21);
  }

  /** Whether the current name is plain ASCII (its folded form is then just its lower case). */
  ascii(): boolean {
    for (let i = this.nameStart; i < this.nameEnd; i++) if (this.raw[i] > 0x7f) return false;
    return true;
  }

  /** Where the current entry starts (a byte offset into `raw`). */
  get mark(): number {
    return this.at;
  }

  /** Moves on by `bytes`, which must end on an entry boundary (as sameRun() measures). */
  skip(bytes: number): void {
    this.at += bytes;
    this.parse();
  }
}

/**
 * The whole entries, from each cursor's current one on, that are byte for byte the same in all the
 * cursors: the same names, modes and oids, so nothing to merge. Returns their length in bytes and
 * count; a tight byte comparison instead of comparing key by key, which is most of a merge of a
 * large folder with a few changes.
 */
export function sameRun(a: TreeCursor, b: TreeCursor, c: TreeCursor): { bytes: number; entries: number } {
  const ar = a.raw;
  const br = b.raw;
  const cr = c.raw;
  const aAt = a.mark;
  const bAt = b.mark;
  const cAt = c.mark;
  const n = Math.min(ar.length - aAt, br.length - bAt, cr.length - cAt);
  // one pass, entry by entry: mode and name up to the NUL, then the 20 bytes of oid
  let end = 0;
  let entries = 0;
  run: for (;;) {
    let i = end;
    for (;;) {
      if (i >= n) break run;
      const x = ar[aAt + i];
      if (x !== br[bAt + i] || x !== cr[cAt + i]) break run;
      i++;
      if (x === 0) break;
    }
    if (i + 20 > n) break;
    for (let k = i; k < i + 20; k++) {
      const x = ar[aAt + k];
      if (x !== br[bAt + k] || x !== cr[cAt + k]) break run;
    }
    end = i + 20;
    entries++;
  }
  return { bytes: end, entries };
}

/**
 * Orders two current entries as git orders a tree (git's base_name_compare): by name bytes, a
 * subtree's name compared as if it ended in '/'. Zero: the same key (same name, both subtrees or
 * both not), the entries a merge lines up.
 */
export function compareKeys(a: TreeCursor, b: TreeCursor): number {
  const ar = a.raw;
  const br = b.raw;
  const al = a.nameEnd - a.nameStart;
  const bl = b.nameEnd - b.nameStart;
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const d = ar[a.nameStart + i] - br[b.nameStart + i];
    if (d !== 0) return d;
  }
  const ca = al > n ? ar[a.nameStart + n] : a.tree ? 0x2f : 0;
  const cb = bl > n ? br[b.nameStart + n] : b.tree ? 0x2f : 0;
  return ca - cb;
}

/** Whether two current entries (of the same key) have the same mode and oid. */
export function sameEntry(a: TreeCursor, b: TreeCursor): boolean {
  const ar = a.raw;
  const br = b.raw;
  // the oids first: they differ at once when they differ at all
  for (let i = 1; i <= 20; i++) if (ar[a.nameEnd + i] !== br[b.nameEnd + i]) return false;
  const am = a.nameStart - 1 - a.mark;
  if (am !== b.nameStart - 1 - b.mark) return false;
  for (let i = 0; i < am; i++) if (ar[a.mark + i] !== br[b.mark + i]) return false;
  return true;
}

/** Git's order for a name and whether it is a subtree, against a cursor's current entry. */
export function compareNameTo(name: Uint8Array, tree: boolean, c: TreeCursor): number {
  const cr = c.raw;
  const cl = c.nameEnd - c.nameStart;
  const n = name.length < cl ? name.length : cl;
  for (let i = 0; i < n; i++) {
    const d = name[i] - cr[c.nameStart + i];
    if (d !== 0) return d;
  }
  const ca = name.length > n ? name[n] : tree ? 0x2f : 0;
  const cb = cl > n ? cr[c.nameStart + n] : c.tree ? 0x2f : 0;
  return ca - cb;
}
