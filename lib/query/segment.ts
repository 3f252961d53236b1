// The index of one model at one tree: an immutable base (columns over rows in id order) and a
// delta of rows that differ from it (object id → row, or null for an object that is gone). A new
// tree's index is the same base with a larger delta, so upkeep costs what changed; compaction
// folds the delta into a new base when it grows.
import type { FieldDef } from '../metadata/schema.js';
import { hexInto, toHex } from '../util/bytes.js';
import { Bitset } from './bitset.js';
import { testCell, type Pred, type Test } from './predicate.js';
import { type Cell, comparatorOf, type Key } from './values.js';

/** One object's indexed values and its data file's oid. */
export interface Row {
  oid: string;
  cells: ReadonlyMap<string, Cell>;
}

/** One field's column: a cell per row, and (key, row) entries sorted by key then row (each array element once). */
export interface Column {
  field: FieldDef;
  compare: (a: Key, b: Key) => number;
  cells: Cell[];
  keys: Key[];
  rows: Int32Array;
  /** rows whose cell is null or absent, ascending (they sort together, before or after the keys) */
  missing: Int32Array;
}

function buildColumn(field: FieldDef, cells: Cell[]): Column {
  const compare = comparatorOf(field.type);
  const entries: [Key, number][] = [];
  cells.forEach((cell, row) => {
    if (cell === null || cell === undefined) return;
    if (Array.isArray(cell)) for (const key of new Set(cell)) entries.push([key, row]);
    else entries.push([cell, row]);
  });
  entries.sort((a, b) => compare(a[0], b[0]) || a[1] - b[1]);
  const missing: number[] = [];
  cells.forEach((cell, row) => {
    if (cell === null || cell === undefined) missing.push(row);
  });
  return { field, compare, cells, keys: entries.map((e) => e[0]), rows: Int32Array.from(entries, (e) => e[1]), missing: Int32Array.from(missing) };
}

/** Immutable columns for every live object of one tree. */
export class Base {
  readonly columns = new Map<string, Column>();
  /** each row's data-file oid as 20 bytes: a third of what 40-character strings cost per row */
  private readonly oidBytes: Uint8Array;

  constructor(
    /** the model folder's tree this base describes (null: no folder) */
    readonly tree: string | null,
    readonly ids: string[],
    oids: string[],
    fields: FieldDef[],
    cells: Map<string, Cell[]>,
  ) {
    this.oidBytes = new Uint8Array(oids.length * 20);
    oids.forEach((oid, n) => hexInto(oid, this.oidBytes, n * 20));
    for (const field of fields) this.columns.set(field.name, buildColumn(field, cells.get(field.name)!));
  }

  /** The data-file oid of a row. */
  oid(n: number): string {
    return toHex(this.oidBytes, n * 20, n * 20 + 20);
  }

  /** Every row's data-file oid, in row order (for index files). */
  oids(): string[] {
    return this.ids.map((_, n) => this.oid(n));
  }

  /** Builds a base from rows by id. */
  static of(tree: string | null, fields: FieldDef[], rows: Map<string, Row>): Base {
    const ids = [...rows.keys()].sort();
    const cells = new Map(fields.map((f) => [f.name, ids.map((id) => rows.get(id)!.cells.get(f.name))]));
    return new Base(tree, ids, ids.map((id) => rows.get(id)!.oid), fields, cells);
  }

  /** The row of an id, or -1. */
  rowOf(id: string): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.ids[mid];
      if (at === id) return mid;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  row(n: number): Row {
    const cells = new Map<string, Cell>();
    for (const [name, column] of this.columns) cells.set(name, column.cells[n]);
    return { oid: this.oid(n), cells };
  }
}

/** First entry index whose key is not before `key` (or after it, with `after`). */
function bound(column: Column, key: Key, after: boolean): number {
  let lo = 0;
  let hi = column.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = column.compare(column.keys[mid], key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rows of entries [from, to). */
function slice(column: Column, size: number, from: number, to: number, out = new Bitset(size)): Bitset {
  for (let i = from; i < to; i++) out.add(column.rows[i]);
  return out;
}

export function equalRows(column: Column, size: number, key: Key, out?: Bitset): Bitset {
  return slice(column, size, bound(column, key, false), bound(column, key, true), out);
}

/** Rows of a column that pass a test: from the sorted entries where that is a range, else from the cells (still no object read). */
export function testRows(column: Column, size: number, test: Test): Bitset {
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
    case 'gt': return slice(column, size, bound(column, test.key, true), column.keys.length);
    case 'gte': return slice(column, size, bound(column, test.key, false), column.keys.length);
    case 'lt': return slice(column, size, 0, bound(column, test.key, false));
    case 'lte': return slice(column, size, 0, bound(column, test.key, true));
    case 'startsWith': {
      const out = new Bitset(size);
      for (let i = bound(column, test.text, false); i < column.keys.length && (column.keys[i] as string).startsWith(test.text); i++) out.add(column.rows[i]);
      return out;
    }
    default:
      break;
  }
  const out = new Bitset(size);
  column.cells.forEach((cell, row) => {
    if (testCell(test, cell, column.compare)) out.add(row);
  });
  return out;
}

/** Where a predicate's candidates come from: base rows (a bitset), and whether they match exactly or must still be read and tested. */
export interface Candidates {
  rows: Bitset;
  exact: boolean;
}

/** Candidate base rows of a predicate: exact where every field it reads has a column. */
export function candidateRows(base: Base, pred: Pred, universe: Bitset): Candidates {
  const size = base.ids.length;
  switch (pred.op) {
    case 'field': {
      const column = base.columns.get(pred.field.name);
      if (!column) return { rows: universe, exact: false };
      let rows = universe;
      for (const test of pred.tests) rows = rows.and(testRows(column, size, test));
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
 * walking the sorted entries and stopping there: a top 20 of 100,000 rows touches about 20 / the
 * share of rows in the set entries, and sorts nothing.
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
  if (!desc) {
    for (let i = 0; i < column.rows.length; i++) if (take(column.rows[i])) return out;
  } else {
    // groups of equal keys from the last, each group's rows ascending
    for (let end = column.keys.length; end > 0; ) {
      let start = end - 1;
      while (start > 0 && column.compare(column.keys[start - 1], column.keys[end - 1]) === 0) start--;
      for (let i = start; i < end; i++) if (take(column.rows[i])) return out;
      end = start;
    }
  }
  if (!nullsFirst) missing();
  return out;
}
