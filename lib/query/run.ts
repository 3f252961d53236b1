// Running a compiled query on one segment: candidate rows from the columns, the rest of the
// predicate tested on objects read only where no column answers it, then order (ties by id),
// cursor, offset and limit. Results are (id, data oid) pairs; the model layer builds instances.
import { ConfigurationError, UnindexedQueryError } from '../errors.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { fromHex, toHex, utf8, fromUtf8 } from '../util/bytes.js';
import { Bitset } from './bitset.js';
import type { IndexCounters, Segment } from './model-index.js';
import { evaluate, fieldNamed, fieldsOf, maybe, type Pred } from './predicate.js';
import { candidateRows, firstInOrder } from './segment.js';
import { type Cell, cellOf, comparatorOf, keyFromJson, keyToJson, type Key } from './values.js';

export interface OrderKey {
  field: FieldDef;
  desc: boolean;
  nullsFirst: boolean;
  compare: (a: Key, b: Key) => number;
}

export interface QuerySpec {
  pred: Pred;
  order: OrderKey[];
  offset: number;
  limit?: number;
  /** a findPage cursor: only results after it */
  after?: string | null;
  refuseScans: boolean;
  /** count only: no order, cursor or slice */
  countOnly?: boolean;
}

export interface Hit {
  id: string;
  oid: string;
  /** an indexed field's value in the index (its key: what `select` serves without reading the object) */
  cell(field: FieldDef): Cell;
  /** the findPage cursor that continues after this result */
  cursor(): string;
}

/** What explain() reports: how each part of a query is answered. */
export interface QueryPlan {
  model: string;
  /** the model folder's tree the query reads (null: no objects) */
  tree: string | null;
  /** live objects at that tree */
  rows: number;
  /** fields filtered through their index */
  indexed: string[];
  /** fields read from the objects themselves (no index): each candidate is read */
  scanned: string[];
  /** how results are ordered: by index columns, by values read from objects, or by id */
  order: 'id' | 'index' | 'objects';
  /** rows the indexes leave as candidates (objects to read when `scanned` is not empty) */
  candidates: number;
}

type Values = Record<string, unknown>;
/** Reads an object's decoded values by id and data oid. */
export type ReadValues = (id: string, oid: string) => Promise<Values>;

interface Item {
  id: string;
  /** a delta row's data oid; a base row's once read from the base (ids need none) */
  oid?: string;
  /** base row, or -1 for a delta row */
  n: number;
  cells?: ReadonlyMap<string, Cell>;
  values?: Values;
}

/** A result; its data oid is read from the base only when asked (ids need none). A class: object literals with getters are slow to make. */
class ItemHit implements Hit {
  readonly id: string;

  constructor(
    private readonly item: Item,
    private readonly base: Segment['base'],
    private readonly spec: QuerySpec,
    private readonly cellAt: (item: Item, field: FieldDef) => Cell,
  ) {
    this.id = item.id;
  }

  get oid(): string {
    // kept: a base row's oid is made from its 20 bytes each time
    return (this.item.oid ??= this.base.oid(this.item.n));
  }

  cursor(): string {
    return encodeCursor(this.spec, this.item, this.cellAt);
  }

  cell(field: FieldDef): Cell {
    return this.cellAt(this.item, field);
  }
}

/** Compiles an orderBy (an object or a list of them). */
export function compileOrder(schema: Schema, orderBy: unknown): OrderKey[] {
  if (orderBy === undefined) return [];
  const out: OrderKey[] = [];
  for (const part of Array.isArray(orderBy) ? orderBy : [orderBy]) {
    for (const [name, how] of Object.entries(part as Record<string, unknown>)) {
      if (how === undefined) continue;
      const field = fieldNamed(schema, name, 'orderBy');
      const bad = () => new ConfigurationError(`${schema.name}.find(): orderBy.${name} is 'asc', 'desc' or { sort, nulls }`, { model: schema.name, field: name });
      if (field.type.kind === 'array') throw new ConfigurationError(`${schema.name}.find(): ${name} is an array field, which has no order`, { model: schema.name, field: name });
      const spec = typeof how === 'string' ? { sort: how } : (how as { sort?: unknown; nulls?: unknown });
      if ((spec.sort !== 'asc' && spec.sort !== 'desc') || (spec.nulls !== undefined && spec.nulls !== 'first' && spec.nulls !== 'last')) throw bad();
      const desc = spec.sort === 'desc';
      out.push({ field, desc, nullsFirst: spec.nulls === undefined ? !desc : spec.nulls === 'first', compare: comparatorOf(field.type) });
    }
  }
  return out;
}

function compareCells(key: OrderKey, a: Cell, b: Cell): number {
  const an = a === null || a === undefined;
  const bn = b === null || b === undefined;
  if (an || bn) return an && bn ? 0 : an === key.nullsFirst ? -1 : 1;
  const c = key.compare(a as Key, b as Key);
  return key.desc ? -c : c;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The work a query will do, without doing it. */
export function explainQuery(schema: Schema, segment: Segment, spec: QuerySpec, rows: number): QueryPlan {
  const { indexed, scanned } = split(segment, spec);
  const known = (f: FieldDef) => segment.base.columns.has(f.name);
  let candidates = candidateRows(segment.base, spec.pred, universe(segment)).rows.count();
  for (const row of segment.delta.values()) if (row && maybe(spec.pred, known, (f) => row.cells.get(f.name)) !== false) candidates++;
  const orderScanned = spec.order.some((k) => !segment.base.columns.has(k.field.name));
  return {
    model: schema.name,
    tree: segment.tree,
    rows,
    indexed,
    scanned,
    order: spec.order.length === 0 ? 'id' : orderScanned ? 'objects' : 'index',
    candidates,
  };
}

function split(segment: Segment, spec: QuerySpec): { indexed: string[]; scanned: string[] } {
  const indexed: string[] = [];
  const scanned: string[] = [];
  for (const field of fieldsOf(spec.pred)) (segment.base.columns.has(field.name) ? indexed : scanned).push(field.name);
  return { indexed, scanned };
}

/** Each segment's universe: a segment never changes, and no query changes a bitset it is given. */
const universes = new WeakMap<Segment, Bitset>();

/** Base rows not overridden by the delta (made once per segment: a warm query does not refill 100,000 bits). */
function universe(segment: Segment): Bitset {
  let all = universes.get(segment);
  if (all) return all;
  all = Bitset.all(segment.base.size);
  for (const id of segment.delta.keys()) {
    const n = segment.base.rowOf(id);
    if (n >= 0) all.delete(n);
  }
  universes.set(segment, all);
  return all;
}

/** Runs a query on a segment: the matching (id, oid) pairs in order, sliced. */
export async function runQuery(schema: Schema, segment: Segment, spec: QuerySpec, read: ReadValues, counters: IndexCounters): Promise<{ count: number; hits: Hit[] }> {
  const { base, delta } = segment;
  const { scanned } = split(segment, spec);
  const orderScanned = spec.order.filter((k) => !base.columns.has(k.field.name)).map((k) => k.field.name);
  if (spec.refuseScans && (scanned.length || (orderScanned.length && !spec.countOnly))) {
    throw new UnindexedQueryError({ model: schema.name, fields: [...new Set([...scanned, ...orderScanned])] });
  }
  const candidates = candidateRows(base, spec.pred, universe(segment));
  const valuesOf = async (item: Item): Promise<Values> => {
    if (!item.values) {
      counters.objectsRead++;
      item.values = await read(item.id, item.oid ?? base.oid(item.n));
    }
    return item.values;
  };
  const cellAt = (item: Item, field: FieldDef): Cell => {
    const column = base.columns.get(field.name);
    if (column) return item.n >= 0 ? column.cell(item.n) : item.cells!.get(field.name);
    return cellOf(field, item.values!);
  };
  let items: Item[] = [];
  // a top-k by one indexed field: walk its sorted entries and stop, instead of sorting every candidate
  const walked = topRows(segment, spec, candidates.exact ? candidates.rows : undefined);
  // a count the columns answer exactly needs no row but the delta's: the bitset's population
  const counted = spec.countOnly && candidates.exact ? candidates.rows.count() : 0;
  for (const n of counted ? [] : walked ?? candidates.rows.rows()) {
    const item: Item = { id: base.id(n), n };
    if (!candidates.exact) {
      await valuesOf(item);
      if (!evaluate(spec.pred, (f) => cellAt(item, f))) continue;
    }
    items.push(item);
  }
  const known = (f: FieldDef) => base.columns.has(f.name);
  // delta rows apart: the base rows are in id order already, so without an order they are merged in, not sorted
  const changed: Item[] = [];
  for (const [id, row] of delta) {
    if (!row) continue;
    const item: Item = { id, oid: row.oid, n: -1, cells: row.cells };
    // ruled out by its indexed values, the object is never read
    const verdict = maybe(spec.pred, known, (f) => row.cells.get(f.name));
    if (verdict === false) continue;
    if (verdict === undefined) {
      await valuesOf(item);
      if (!evaluate(spec.pred, (f) => cellAt(item, f))) continue;
    }
    changed.push(item);
  }
  if (spec.countOnly) return { count: counted + items.length + changed.length, hits: [] };
  if (orderScanned.length) for (const item of [...items, ...changed]) await valuesOf(item);
  const compare = (a: Item, b: Item): number => {
    for (const key of spec.order) {
      const c = compareCells(key, cellAt(a, key.field), cellAt(b, key.field));
      if (c) return c;
    }
    return compareIds(a.id, b.id);
  };
  if (spec.order.length) {
    items.push(...changed);
    items.sort(compare);
  } else if (changed.length) {
    items = mergeById(items, changed.sort(compare));
  }
  let from = 0;
  if (spec.after) {
    const cursor = decodeCursor(schema, spec.after, spec.order.length);
    const after = (item: Item) => {
      for (let i = 0; i < spec.order.length; i++) {
        const c = compareCells(spec.order[i], cellAt(item, spec.order[i].field), cursor.cells[i]);
        if (c) return c > 0;
      }
      return compareIds(item.id, cursor.id) > 0;
    };
    while (from < items.length && !after(items[from])) from++;
  }
  from += spec.offset;
  const to = spec.limit === undefined ? items.length : from + spec.limit;
  const hits = items.slice(from, to).map((item) => new ItemHit(item, base, spec, cellAt));
  return { count: items.length, hits };
}

/** Two lists in id order as one. */
function mergeById(a: Item[], b: Item[]): Item[] {
  const out: Item[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) out[k] = j >= b.length || (i < a.length && a[i].id < b[j].id) ? a[i++] : b[j++];
  return out;
}

/** The first offset + limit base rows in order, when one indexed field orders an exact candidate set. */
function topRows(segment: Segment, spec: QuerySpec, exact: Bitset | undefined): number[] | undefined {
  if (!exact || spec.countOnly || spec.after || spec.limit === undefined || spec.order.length !== 1) return undefined;
  const [key] = spec.order;
  const column = segment.base.columns.get(key.field.name);
  if (!column || key.field.type.kind === 'array') return undefined;
  return firstInOrder(column, exact, key.desc, key.nullsFirst, spec.offset + spec.limit);
}

/** A page cursor: the last result's order values and id, opaque to the caller. */
function encodeCursor(spec: QuerySpec, item: Item, cellAt: (item: Item, field: FieldDef) => Cell): string {
  return toHex(utf8(JSON.stringify([spec.order.map((k) => keyToJson(cellAt(item, k.field) ?? null)), item.id])));
}

function decodeCursor(schema: Schema, text: string, keys: number): { cells: Cell[]; id: string } {
  try {
    const [cells, id] = JSON.parse(fromUtf8(fromHex(text))) as [unknown[], string];
    if (Array.isArray(cells) && cells.length === keys && typeof id === 'string') return { cells: cells.map(keyFromJson), id };
  } catch {
    // reported below
  }
  throw new ConfigurationError(`${schema.name}.findPage(): "after" is not a cursor this query returned (pass the \`next\` of the previous page, with the same orderBy)`, { model: schema.name });
}
