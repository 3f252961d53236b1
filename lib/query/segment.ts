// The index of one model at one tree: an immutable base (columns over rows in id order) and a
// delta of rows that differ from it (object id → row, or null for an object that is gone). A new
// tree's index is the same base with a larger delta, so upkeep costs what changed; compaction
// folds the delta into a new base when it grows.
//
// A base is typed arrays, not objects per row, so an index file (file.ts) loads as views of its
// bytes: ids as UTF-8 with offsets, data oids as 20 bytes each, and per field a sorted dictionary
// of its distinct values, a code per row, and the rows of each code (postings) in row order.
import type { FieldDef } from '../metadata/schema.js';
import { fromLatin1, fromUtf8, hexInto, toHex, utf8 } from '../util/bytes.js';
import { Bitset } from './bitset.js';
import { testCell, type Pred, type Test } from './predicate.js';
import { type Cell, comparatorOf, type Key } from './values.js';

/** One object's indexed values and its data file's oid. */
export interface Row {
  oid: string;
  cells: ReadonlyMap<string, Cell>;
}

/** Codes as narrow as the dictionary allows: a boolean column costs a byte per row. */
export type Codes = Uint8Array | Uint16Array | Uint32Array;

/** Codes 0 and 1 of a row: absent and null; a value's code is 2 + its dictionary position. */
export const ABSENT = 0;
export const NULL = 1;
/** An array field's row code when it holds a list (its elements are in `elems`). */
export const LIST = 2;

export function codesFor(max: number, length: number): Codes {
  return max < 0x100 ? new Uint8Array(length) : max < 0x10000 ? new Uint16Array(length) : new Uint32Array(length);
}

/**
 * One field's column. Entries are (key, row) pairs sorted by key then row (an array's element
 * once per row); code c's entries are `rowAt(start(c) … start(c + 1) - 1)`.
 */
export interface Column {
  readonly field: FieldDef;
  readonly compare: (a: Key, b: Key) => number;
  readonly list: boolean;
  /** distinct non-null keys */
  readonly distinct: number;
  key(c: number): Key;
  start(c: number): number;
  rowAt(entry: number): number;
  /** a scalar row's code (ABSENT, NULL or 2 + c) */
  code(n: number): number;
  cell(n: number): Cell;
  /** rows whose cell is null or absent, ascending (they sort together, before or after the keys) */
  readonly missing: Uint32Array;
}

/** The arrays of a stored column (what an index file holds of it). */
export interface ColumnData {
  dict: ArrayLike<Key>;
  codes: Codes;
  offsets?: Uint32Array;
  elems?: Codes;
  starts: Uint32Array;
  rows: Uint32Array;
  missing: Uint32Array;
}

export class DictColumn implements Column {
  readonly compare: (a: Key, b: Key) => number;
  readonly list: boolean;

  constructor(readonly field: FieldDef, readonly data: ColumnData) {
    this.compare = comparatorOf(field.type);
    this.list = field.type.kind === 'array';
  }

  get distinct(): number {
    return this.data.dict.length;
  }

  get missing(): Uint32Array {
    return this.data.missing;
  }

  key(c: number): Key {
    return this.data.dict[c];
  }

  start(c: number): number {
    return this.data.starts[c];
  }

  rowAt(entry: number): number {
    return this.data.rows[entry];
  }

  code(n: number): number {
    return this.data.codes[n];
  }

  cell(n: number): Cell {
    const { codes, dict, offsets, elems } = this.data;
    const code = codes[n];
    if (code === ABSENT) return undefined;
    if (code === NULL) return null;
    if (!this.list) return dict[code - 2];
    const out: Key[] = [];
    for (let i = offsets![n]; i < offsets![n + 1]; i++) out.push(dict[elems![i]]);
    return out;
  }

  /** A column from each row's cell: dictionary sorted once, postings by counting (no sort of the entries). */
  static of(field: FieldDef, cells: readonly Cell[]): DictColumn {
    const compare = comparatorOf(field.type);
    const list = field.type.kind === 'array';
    const seen = new Set<Key>();
    for (const cell of cells) {
      if (cell === null || cell === undefined) continue;
      if (Array.isArray(cell)) for (const key of cell) seen.add(key);
      else seen.add(cell);
    }
    // keys equal by the field's order (decimals are canonical, so only -0 and 0) share one code
    const { dict, codeOf } = dictionaryOf(seen, compare);
    const n = cells.length;
    const codes = codesFor(list ? LIST : dict.length + 1, n);
    const perRow: number[][] = [];
    const counts = new Uint32Array(dict.length + 1);
    let elemCount = 0;
    const missing: number[] = [];
    for (let row = 0; row < n; row++) {
      const cell = cells[row];
      if (cell === null || cell === undefined) {
        codes[row] = cell === null ? NULL : ABSENT;
        missing.push(row);
        if (list) perRow.push([]);
        continue;
      }
      if (Array.isArray(cell)) {
        codes[row] = LIST;
        // each element once, in code order (lists are short: no Set)
        const own: number[] = [];
        for (const k of cell) {
          const c = codeOf(k);
          let at = own.length;
          while (at > 0 && own[at - 1] > c) at--;
          if (own[at - 1] !== c) own.splice(at, 0, c);
        }
        for (const c of own) counts[c + 1]++;
        elemCount += own.length;
        perRow.push(own);
      } else {
        const c = codeOf(cell);
        codes[row] = c + 2;
        counts[c + 1]++;
      }
    }
    const starts = new Uint32Array(dict.length + 1);
    for (let c = 0; c < dict.length; c++) starts[c + 1] = starts[c] + counts[c + 1];
    const rows = new Uint32Array(starts[dict.length]);
    const fill = starts.slice(0, dict.length);
    let offsets: Uint32Array | undefined;
    let elems: Codes | undefined;
    if (list) {
      offsets = new Uint32Array(n + 1);
      elems = codesFor(dict.length, elemCount);
      let at = 0;
      for (let row = 0; row < n; row++) {
        offsets[row] = at;
        for (const c of perRow[row]) {
          elems[at++] = c;
          rows[fill[c]++] = row;
        }
      }
      offsets[n] = at;
    } else {
      for (let row = 0; row < n; row++) if (codes[row] >= 2) rows[fill[codes[row] - 2]++] = row;
    }
    return new DictColumn(field, { dict, codes, offsets, elems, starts, rows, missing: Uint32Array.from(missing) });
  }
}

/**
 * The sorted distinct keys and each key's code. Numbers and dates (a date column is all distinct
 * values: 100,000 of them) sort as a Float64Array, natively and without a comparator call per
 * step, and a row finds its code by binary search: a third of a build's column time at 100,000.
 */
function dictionaryOf(seen: Set<Key>, compare: (a: Key, b: Key) => number): { dict: ArrayLike<Key>; codeOf: (key: Key) => number } {
  let numbers = true;
  for (const key of seen) if (typeof key !== 'number') numbers = false;
  if (numbers) {
    // a typed array sorts -0 before 0, which the field's order counts as one key: kept once
    const sorted = Float64Array.from(seen as Set<number>).sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[n - 1] !== sorted[i]) sorted[n++] = sorted[i];
    const dict = sorted.slice(0, n);
    const codeOf = (key: Key): number => {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (dict[mid] < (key as number)) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return { dict, codeOf };
  }
  const dict: Key[] = [];
  const codes = new Map<Key, number>();
  for (const key of [...seen].sort(compare)) {
    if (!dict.length || compare(dict[dict.length - 1], key) !== 0) dict.push(key);
    codes.set(key, dict.length - 1);
  }
  return { dict, codeOf: (key) => codes.get(key)! };
}

/** The id field's column: the ids are the rows' order, so it is the ids themselves (nothing stored twice). */
class IdColumn implements Column {
  readonly compare = comparatorOf({ kind: 'string' } as FieldDef['type']);
  readonly list = false;
  readonly missing = new Uint32Array(0);

  constructor(readonly field: FieldDef, private readonly base: Base) {}

  get distinct(): number {
    return this.base.size;
  }

  key(c: number): Key {
    return this.base.id(c);
  }

  start(c: number): number {
    return c;
  }

  rowAt(entry: number): number {
    return entry;
  }

  code(n: number): number {
    return n + 2;
  }

  cell(n: number): Cell {
    return this.base.id(n);
  }
}

/** What a base is made of (what an index file holds). */
export interface BaseData {
  /** the ids' UTF-8 bytes, one after another, in id order */
  idBytes: Uint8Array;
  /** where each id starts in idBytes, then the end (rows + 1) */
  idStarts: Uint32Array;
  /** each row's data-file oid, 20 bytes */
  oids: Uint8Array;
  columns: Map<string, ColumnData>;
  /** every id is ASCII (fromColumns finds it, a file says so) */
  ascii: boolean;
  /** where each entry of the folder tree's raw bytes starts, then their end (a file of a large folder holds it) */
  folderStarts?: Uint32Array;
}

/** Immutable columns for every live object of one tree. */
export class Base {
  readonly columns = new Map<string, Column>();
  readonly size: number;
  /** every id is ASCII (the usual case): decoded a byte per character, no UTF-8 decoder */
  readonly ascii: boolean;

  constructor(
    /** the model folder's tree this base describes (null: no folder) */
    readonly tree: string | null,
    readonly data: BaseData,
    fields: FieldDef[],
  ) {
    this.size = data.idStarts.length - 1;
    this.ascii = data.ascii;
    for (const field of fields) {
      this.columns.set(field.name, field.id ? new IdColumn(field, this) : new DictColumn(field, data.columns.get(field.name)!));
    }
  }

  /** Memory the base holds: its arrays' bytes, and ~16 bytes plus the text of each dictionary string. */
  get bytes(): number {
    const { idBytes, idStarts, oids, columns } = this.data;
    let total = idBytes.byteLength + idStarts.byteLength + oids.byteLength;
    for (const c of columns.values()) {
      total += c.codes.byteLength + c.starts.byteLength + c.rows.byteLength + c.missing.byteLength + (c.offsets?.byteLength ?? 0) + (c.elems?.byteLength ?? 0);
      const dict = c.dict;
      if (dict instanceof Float64Array) total += dict.byteLength;
      else for (let i = 0; i < dict.length; i++) total += 16 + (typeof dict[i] === 'string' ? (dict[i] as string).length : 8);
    }
    return total;
  }

  /** The id of a row. */
  id(n: number): string {
    const { idBytes, idStarts } = this.data;
    const start = idStarts[n];
    const end = idStarts[n + 1];
    if (!this.ascii || end - start > 64) return this.ascii ? fromLatin1(idBytes, start, end) : fromUtf8(idBytes, start, end);
    // a short ASCII id: a loop beats a subarray and an apply (1,000 ids of a result in ~50 µs)
    let out = '';
    for (let i = start; i < end; i++) out += String.fromCharCode(idBytes[i]);
    return out;
  }

  /** The data-file oid of a row. */
  oid(n: number): string {
    return toHex(this.data.oids, n * 20, n * 20 + 20);
  }

  /** Builds a base from rows by id (a compaction). */
  static of(tree: string | null, fields: FieldDef[], rows: Map<string, Row>): Base {
    const ids = [...rows.keys()];
    const list = [...rows.values()];
    const cells = new Map(fields.map((f) => [f.name, list.map((row) => row.cells.get(f.name))]));
    return Base.fromColumns(tree, fields, ids, list.map((row) => row.oid), cells);
  }

  /** Builds a base from parallel arrays in any order (a build: no object per row). */
  static fromColumns(tree: string | null, fields: FieldDef[], unsorted: string[], unsortedOids: string[], unsortedCells: Map<string, Cell[]>): Base {
    const order = Array.from(unsorted, (_, i) => i).sort((a, b) => (unsorted[a] < unsorted[b] ? -1 : unsorted[a] > unsorted[b] ? 1 : 0));
    const ids = order.map((i) => unsorted[i]);
    const encoded = ids.map((id) => utf8(id));
    const idStarts = new Uint32Array(ids.length + 1);
    encoded.forEach((bytes, n) => (idStarts[n + 1] = idStarts[n] + bytes.length));
    const idBytes = new Uint8Array(idStarts[ids.length]);
    encoded.forEach((bytes, n) => idBytes.set(bytes, idStarts[n]));
    const oids = new Uint8Array(ids.length * 20);
    order.forEach((i, n) => hexInto(unsortedOids[i], oids, n * 20));
    // a non-ASCII character takes more UTF-8 bytes than UTF-16 units
    let units = 0;
    for (const id of ids) units += id.length;
    const columns = new Map<string, ColumnData>();
    for (const f of fields) {
      if (f.id) continue;
      const cells = unsortedCells.get(f.name)!;
      columns.set(f.name, DictColumn.of(f, order.map((i) => cells[i])).data);
    }
    return new Base(tree, { idBytes, idStarts, oids, columns, ascii: units === idBytes.length }, fields);
  }

  /** The row of an id, or -1. */
  rowOf(id: string): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.id(mid);
      if (at === id) return mid;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  row(n: number): Row {
    const cells = new Map<string, Cell>();
    for (const [name, column] of this.columns) cells.set(name, column.cell(n));
    return { oid: this.oid(n), cells };
  }
}

/** The first dictionary code whose key is not before `key` (or after it, with `after`). */
function bound(column: Column, key: Key, after: boolean): number {
  let lo = 0;
  let hi = column.distinct;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = column.compare(column.key(mid), key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rows of codes [from, to). */
function slice(column: Column, size: number, from: number, to: number, out = new Bitset(size)): Bitset {
  for (let i = column.start(from), end = column.start(to); i < end; i++) out.add(column.rowAt(i));
  return out;
}

export function equalRows(column: Column, size: number, key: Key, out?: Bitset): Bitset {
  return slice(column, size, bound(column, key, false), bound(column, key, true), out);
}

/** Rows of a column that pass a test: from the postings where that is a range of codes, else from each row's code (still no object read). */
export function testRows(column: Column, size: number, test: Test): Bitset {
  const all = column.distinct;
  switch (test.op) {
    case 'eq':
      if (test.key !== null) return equalRows(column, size, test.key);
      break;
    case 'has':
      return equalRows(column, size, test.key);
    case 'in':
    case 'hasSome': {
      const out = new Bitset(size);
      for (const key of test.keys) equalRows(column, size, key, out);
      return out;
    }
    case 'hasEvery':
      if (test.keys.length) return test.keys.map((k) => equalRows(column, size, k)).reduce((a, b) => a.and(b));
      break;
    case 'gt': return slice(column, size, bound(column, test.key, true), all);
    case 'gte': return slice(column, size, bound(column, test.key, false), all);
    case 'lt': return slice(column, size, 0, bound(column, test.key, false));
    case 'lte': return slice(column, size, 0, bound(column, test.key, true));
    case 'startsWith': {
      const from = bound(column, test.text, false);
      let to = from;
      while (to < all && (column.key(to) as string).startsWith(test.text)) to++;
      return slice(column, size, from, to);
    }
    default:
      break;
  }
  const out = new Bitset(size);
  if (column.list) {
    for (let row = 0; row < size; row++) if (testCell(test, column.cell(row), column.compare)) out.add(row);
    return out;
  }
  // a scalar test depends only on the code: decided once per distinct value, then looked up per row
  const verdict = new Uint8Array(all + 2);
  verdict[ABSENT] = testCell(test, undefined, column.compare) ? 1 : 0;
  verdict[NULL] = testCell(test, null, column.compare) ? 1 : 0;
  for (let c = 0; c < all; c++) verdict[c + 2] = testCell(test, column.key(c), column.compare) ? 1 : 0;
  for (let row = 0; row < size; row++) if (verdict[column.code(row)]) out.add(row);
  return out;
}

/** Where a predicate's candidates come from: base rows (a bitset), and whether they match exactly or must still be read and tested. */
export interface Candidates {
  rows: Bitset;
  exact: boolean;
}

/** Candidate base rows of a predicate: exact where every field it reads has a column. */
export function candidateRows(base: Base, pred: Pred, universe: Bitset): Candidates {
  const size = base.size;
  switch (pred.op) {
    case 'field': {
      const column = base.columns.get(pred.field.name);
      if (!column) return { rows: universe, exact: false };
      // range bounds on one field are one range of codes: `gte` and `lt` around 1% of the rows
      // touch that 1%, not the half of the rows each bound alone would
      let lo = 0;
      let hi = column.distinct;
      const rest: Test[] = [];
      for (const test of pred.tests) {
        if (test.op === 'gt' || test.op === 'gte') lo = Math.max(lo, bound(column, test.key, test.op === 'gt'));
        else if (test.op === 'lt' || test.op === 'lte') hi = Math.min(hi, bound(column, test.key, test.op === 'lte'));
        else rest.push(test);
      }
      let rows = lo > 0 || hi < column.distinct ? universe.and(slice(column, size, lo, Math.max(lo, hi))) : universe;
      for (const test of rest) rows = rows.and(testRows(column, size, test));
      return { rows, exact: true };
    }
    case 'and':
    case 'or': {
      const and = pred.op === 'and';
      let rows = and ? universe : new Bitset(size);
      let exact = true;
      for (const part of pred.of) {
        const c = candidateRows(base, part, universe);
        rows = and ? rows.and(c.rows) : rows.or(c.rows);
        exact &&= c.exact;
      }
      return { rows, exact };
    }
    case 'not': {
      const c = candidateRows(base, pred.of, universe);
      return c.exact ? { rows: universe.and(c.rows.not()), exact: true } : { rows: universe, exact: false };
    }
  }
}

/**
 * The first `need` rows of a set in a scalar column's order (ties by row, which is id order),
 * walking the postings and stopping there: a top 20 of 100,000 rows touches about 20 / the share
 * of rows in the set entries, and sorts nothing.
 */
export function firstInOrder(column: Column, rows: Bitset, desc: boolean, nullsFirst: boolean, need: number): number[] {
  const out: number[] = [];
  const take = (row: number) => {
    if (rows.has(row)) out.push(row);
    return out.length >= need;
  };
  const missing = () => {
    for (const row of column.missing) if (take(row)) return true;
    return false;
  };
  if (nullsFirst && missing()) return out;
  // each code's rows ascending, codes first to last (or last to first)
  for (let k = 0; k < column.distinct; k++) {
    const c = desc ? column.distinct - 1 - k : k;
    for (let i = column.start(c), end = column.start(c + 1); i < end; i++) if (take(column.rowAt(i))) return out;
  }
  if (!nullsFirst) missing();
  return out;
}
