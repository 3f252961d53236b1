// A query's `where` compiled once into a tree of field tests over index keys, checked against the
// schema (unknown fields, json and blob fields, operators that do not fit the field, wrong value
// types are ConfigurationErrors), and evaluated on any row whose cells are known.
import { ConfigurationError } from '../errors.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { type Cell, comparatorOf, elementKind, type Key, queryKey } from './values.js';

/** One test on one field; all tests of a field object must hold. */
export type Test =
  | { op: 'eq' | 'ne'; key: Key | null }
  | { op: 'in' | 'notIn' | 'hasSome' | 'hasEvery'; keys: Key[] }
  | { op: 'gt' | 'gte' | 'lt' | 'lte' | 'has'; key: Key }
  | { op: 'startsWith' | 'endsWith' | 'contains'; text: string }
  | { op: 'exists' | 'isEmpty'; yes: boolean };

export type Pred =
  | { op: 'and' | 'or'; of: Pred[] }
  | { op: 'not'; of: Pred }
  | { op: 'field'; field: FieldDef; tests: Test[]; compare: (a: Key, b: Key) => number };

const SCALAR_OPS = new Set(['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'exists', 'startsWith', 'endsWith', 'contains']);
const LIST_OPS = new Set(['has', 'hasSome', 'hasEvery', 'isEmpty', 'exists']);
const STRING_KINDS = new Set(['string', 'uuid', 'time', 'oid', 'ref']);

function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The schema field a where key names; `id` always names the id field. */
export function fieldNamed(schema: Schema, name: string, what: string): FieldDef {
  const field = name === 'id' ? schema.id : schema.fields.find((f) => f.name === name);
  const where = { model: schema.name, field: name };
  if (!field) throw new ConfigurationError(`${schema.name}.find(): ${what} names "${name}", which is not a field of ${schema.name}`, where);
  const kind = elementKind(field).kind;
  if (kind === 'json' || kind === 'blob' || kind === 'array') {
    throw new ConfigurationError(`${schema.name}.find(): ${what} names ${name}, a ${kind} field, which has no order or equality to query by`, where);
  }
  return field;
}

/** Compiles a where object (undefined: every object). */
export function compileWhere(schema: Schema, where: Record<string, unknown> | undefined): Pred {
  if (where === undefined) return { op: 'and', of: [] };
  if (!isOperatorObject(where)) throw new ConfigurationError(`${schema.name}.find(): where must be a plain object`, { model: schema.name });
  const of: Pred[] = [];
  for (const [name, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (name === 'AND' || name === 'OR') {
      if (!Array.isArray(value)) throw new ConfigurationError(`${schema.name}.find(): ${name} takes an array of where objects`, { model: schema.name });
      const parts = value.map((w) => compileWhere(schema, w as Record<string, unknown>));
      of.push(name === 'AND' ? { op: 'and', of: parts } : { op: 'or', of: parts });
    } else if (name === 'NOT') {
      of.push({ op: 'not', of: compileWhere(schema, value as Record<string, unknown>) });
    } else {
      of.push(compileField(schema, fieldNamed(schema, name, 'where'), value));
    }
  }
  return of.length === 1 ? of[0] : { op: 'and', of };
}

function compileField(schema: Schema, field: FieldDef, value: unknown): Pred {
  const list = field.type.kind === 'array';
  const model = schema.name;
  const key = (v: unknown) => queryKey(model, field, v);
  const keys = (op: string, v: unknown) => {
    if (!Array.isArray(v)) throw new ConfigurationError(`${model}.find(): ${field.name}.${op} takes an array`, { model, field: field.name });
    return v.map(key);
  };
  const tests: Test[] = [];
  if (!isOperatorObject(value)) {
    if (list) throw new ConfigurationError(`${model}.find(): ${field.name} is an array field: use { has }, { hasSome }, { hasEvery } or { isEmpty }`, { model, field: field.name });
    tests.push({ op: 'eq', key: value === null ? null : key(value) });
  } else {
    for (const [op, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (!(list ? LIST_OPS : SCALAR_OPS).has(op)) {
        throw new ConfigurationError(`${model}.find(): ${field.name} does not take "${op}" (it takes ${[...(list ? LIST_OPS : SCALAR_OPS)].join(', ')})`, { model, field: field.name });
      }
      switch (op) {
        case 'eq': case 'ne':
          tests.push({ op, key: v === null ? null : key(v) });
          break;
        case 'in': case 'notIn': case 'hasSome': case 'hasEvery':
          tests.push({ op, keys: keys(op, v) });
          break;
        case 'gt': case 'gte': case 'lt': case 'lte': case 'has':
          tests.push({ op, key: key(v) });
          break;
        case 'startsWith': case 'endsWith': case 'contains':
          if (!STRING_KINDS.has(elementKind(field).kind) || typeof v !== 'string') {
            throw new ConfigurationError(`${model}.find(): ${op} is for string fields and takes a string (${field.name})`, { model, field: field.name });
          }
          tests.push({ op, text: v });
          break;
        case 'exists': case 'isEmpty':
          if (typeof v !== 'boolean') throw new ConfigurationError(`${model}.find(): ${field.name}.${op} takes true or false`, { model, field: field.name });
          tests.push({ op, yes: v });
          break;
      }
    }
  }
  return { op: 'field', field, tests, compare: comparatorOf(field.type) };
}

/** Whether one test holds for a cell. Absent fields pass only `exists: false`; null only eq null, ne/notIn of other values, exists. */
export function testCell(test: Test, cell: Cell, compare: (a: Key, b: Key) => number): boolean {
  if (test.op === 'exists') return (cell !== undefined) === test.yes;
  if (cell === undefined) return false;
  if (Array.isArray(cell)) {
    switch (test.op) {
      case 'has': return cell.some((k) => compare(k, test.key) === 0);
      case 'hasSome': return test.keys.some((t) => cell.some((k) => compare(k, t) === 0));
      case 'hasEvery': return test.keys.every((t) => cell.some((k) => compare(k, t) === 0));
      case 'isEmpty': return (cell.length === 0) === test.yes;
      default: return false;
    }
  }
  const equal = (k: Key | null) => (k === null || cell === null ? k === cell : compare(cell, k) === 0);
  switch (test.op) {
    case 'eq': return equal(test.key);
    case 'ne': return !equal(test.key);
    case 'in': return test.keys.some(equal);
    case 'notIn': return !test.keys.some(equal);
    default: break;
  }
  if (cell === null) return false;
  switch (test.op) {
    case 'gt': return compare(cell, test.key) > 0;
    case 'gte': return compare(cell, test.key) >= 0;
    case 'lt': return compare(cell, test.key) < 0;
    case 'lte': return compare(cell, test.key) <= 0;
    case 'startsWith': return typeof cell === 'string' && cell.startsWith(test.text);
    case 'endsWith': return typeof cell === 'string' && cell.endsWith(test.text);
    case 'contains': return typeof cell === 'string' && cell.includes(test.text);
    default: return false;
  }
}

/** Evaluates a predicate on a row given as a cell per field name. */
export function evaluate(pred: Pred, cell: (field: FieldDef) => Cell): boolean {
  switch (pred.op) {
    case 'and': return pred.of.every((p) => evaluate(p, cell));
    case 'or': return pred.of.some((p) => evaluate(p, cell));
    case 'not': return !evaluate(pred.of, cell);
    case 'field': {
      const value = cell(pred.field);
      return pred.tests.every((t) => testCell(t, value, pred.compare));
    }
  }
}

/**
 * A predicate on what is known: `undefined` for a field not known yet (no index), so a row can be
 * ruled out from its indexed values before its object is read (Kleene's three-valued logic).
 */
export function maybe(pred: Pred, known: (field: FieldDef) => boolean, cell: (field: FieldDef) => Cell): boolean | undefined {
  switch (pred.op) {
    case 'and':
    case 'or': {
      // the value that settles an AND (false) or an OR (true) at once
      const settles = pred.op === 'or';
      let out: boolean | undefined = !settles;
      for (const p of pred.of) {
        const v = maybe(p, known, cell);
        if (v === settles) return settles;
        if (v === undefined) out = undefined;
      }
      return out;
    }
    case 'not': {
      const v = maybe(pred.of, known, cell);
      return v === undefined ? undefined : !v;
    }
    case 'field':
      return known(pred.field) ? evaluate(pred, cell) : undefined;
  }
}

/** The fields a predicate reads. */
export function fieldsOf(pred: Pred, out = new Set<FieldDef>()): Set<FieldDef> {
  if (pred.op === 'field') out.add(pred.field);
  else if (pred.op === 'not') fieldsOf(pred.of, out);
  else for (const p of pred.of) fieldsOf(p, out);
  return out;
}
