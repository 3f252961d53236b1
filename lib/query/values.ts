// Field values as index keys: one primitive per value that orders and compares as the design's
// value rules say (docs/QUERIES.md): strings by UTF-16 code units, numbers, dates by instant,
// false < true, bigint and decimal numerically, refs by id. null is a key; an absent field is
// `undefined` and is never a key.
import { ConfigurationError } from '../errors.js';
import type { FieldDef, FieldKind } from '../metadata/schema.js';

/** An index key: what a stored value compares as. */
export type Key = string | number | boolean | bigint;
/** A row's value of one field: a key, null, an array of keys (array fields), or undefined when absent. */
export type Cell = Key | null | Key[] | undefined;

const DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/** A decimal string in one canonical form, so "1.50" and "1.5" are one key. */
function canonicalDecimal(text: string): string {
  const m = DECIMAL.exec(text);
  if (!m) return text;
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const body = fraction ? `${m[2]}.${fraction}` : m[2];
  return body === '0' ? '0' : `${m[1]}${body}`;
}

/** Compares two canonical decimal strings numerically, without floats. */
function compareDecimal(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  if (negA !== negB) return negA ? -1 : 1;
  const sign = negA ? -1 : 1;
  const [ia, fa = ''] = (negA ? a.slice(1) : a).split('.');
  const [ib, fb = ''] = (negB ? b.slice(1) : b).split('.');
  if (ia.length !== ib.length) return sign * (ia.length - ib.length);
  if (ia !== ib) return sign * (ia < ib ? -1 : 1);
  const n = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(n, '0');
  const pb = fb.padEnd(n, '0');
  return pa === pb ? 0 : sign * (pa < pb ? -1 : 1);
}

const plain = (a: Key, b: Key): number => (a < b ? -1 : a > b ? 1 : 0);

/** The comparison of a kind's keys (non-null). */
export function comparatorOf(kind: FieldKind): (a: Key, b: Key) => number {
  const element = kind.kind === 'array' ? kind.of : kind;
  return element.kind === 'decimal' ? (a, b) => compareDecimal(a as string, b as string) : plain;
}

/** The element kind of a field: the field's own, or its array's. */
export function elementKind(field: FieldDef): FieldKind {
  return field.type.kind === 'array' ? field.type.of : field.type;
}

/** The key of one stored (decoded) non-null value of a scalar kind. */
function storedKey(kind: FieldKind, value: unknown): Key {
  switch (kind.kind) {
    case 'date':
      return (value as Date).getTime();
    case 'decimal':
      return canonicalDecimal(value as string);
    case 'ref':
      return typeof value === 'string' ? value : ((value as { id: string }).id);
    default:
      return value as Key;
  }
}

/** A field's cell from a decoded object's values (what decodeObject returns). */
export function cellOf(field: FieldDef, values: Record<string, unknown>): Cell {
  if (!Object.prototype.hasOwnProperty.call(values, field.name)) return undefined;
  const value = values[field.name];
  if (value === null || value === undefined) return value === null ? null : undefined;
  if (field.type.kind === 'array') {
    const of = field.type.of;
    return (value as unknown[]).filter((v) => v !== null && v !== undefined).map((v) => storedKey(of, v));
  }
  return storedKey(field.type, value);
}

const TYPE_OF: Record<string, string> = { string: 'string', uuid: 'string', time: 'string', oid: 'string', ref: 'string', decimal: 'string', number: 'number', boolean: 'boolean', bigint: 'bigint' };

/**
 * The key of a value given in a query: checked against the field's kind, so a wrong type is a
 * clear error and not an empty result. A ref takes an id, a Ref or the object itself.
 */
export function queryKey(model: string, field: FieldDef, value: unknown): Key {
  const kind = elementKind(field);
  const wrong = (what: string) =>
    new ConfigurationError(`${model}.find(): ${field.name} holds ${kind.kind} values; ${what} cannot be compared with it`, { model, field: field.name });
  if (kind.kind === 'date') {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw wrong(`${describe(value)}`);
    return value.getTime();
  }
  if (kind.kind === 'ref' && value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  if (typeof value !== TYPE_OF[kind.kind] || (typeof value === 'number' && !Number.isFinite(value))) throw wrong(describe(value));
  if (kind.kind === 'decimal') {
    if (!DECIMAL.test(value as string)) throw wrong(`the string ${JSON.stringify(value)} (not a decimal)`);
    return canonicalDecimal(value as string);
  }
  return value as Key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'an invalid Date';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `the ${typeof value} ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`;
}

/** Keys as JSON (bigints tagged), for index files and page cursors. */
export function keyToJson(key: Cell): unknown {
  if (typeof key === 'bigint') return { n: key.toString() };
  if (Array.isArray(key)) return key.map(keyToJson);
  return key === undefined ? { a: 1 } : key;
}

export function keyFromJson(json: unknown): Cell {
  if (Array.isArray(json)) return json.map(keyFromJson) as Key[];
  if (json !== null && typeof json === 'object') {
    const tagged = json as { n?: string; a?: 1 };
    if (typeof tagged.n === 'string') return BigInt(tagged.n);
    return undefined;
  }
  return json as Key | null;
}
