// One row per field kind (check, copy, encode, decode, equals), so adding a kind is one entry here
// and not one case in each of several switches; arrays compose over their element kind.
import { validate as isUuid } from 'uuid';
import type { FieldKind, ScalarKind } from '../metadata/schema.js';
import { equalBytes } from '../util/bytes.js';
import { canonicalJson, jsonProblem, plainJson } from './json.js';

/** What gitmodel does with the values of one field kind. Values given are never null or undefined. */
export interface KindCodec {
  /** why a value does not fit the kind, or undefined when it does */
  check(value: unknown): string | undefined;
  /**
   * A copy that shares nothing mutable with the value (cached values are handed out only as
   * copies). With `stored`, the copy is what decoding the saved bytes gives back.
   */
  copy(value: unknown, stored: boolean): unknown;
  /** the value as it is written to data.json */
  encode(value: unknown): unknown;
  /** the value read from data.json; throws a TypeError that says why it does not fit */
  decode(json: unknown): unknown;
  /** the same value, as a model means it (history's field-level diffs, blame and moves) */
  equals(a: unknown, b: unknown): boolean;
  /** values are immutable primitives: `copy` gives back the value itself, so a read skips it */
  immutable?: true;
}

const DATE = /^(\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|([+-])(\d\d):(\d\d))$/;
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const BIGINT = /^-?(0|[1-9]\d*)$/;
/** A time of day: 00-23 hours, 00-59 minutes and seconds, seconds and milliseconds optional. */
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{3})?)?$/;
/** A git object id as git writes it: 40 lowercase hex digits. */
const OID = /^[0-9a-f]{40}$/;

/** The UTC offset (minutes east) a Date was read with, so writing it back keeps its time zone. */
const offsets = new WeakMap<Date, number>();

function formatDate(date: Date): string {
  const offset = offsets.get(date) ?? 0;
  const iso = new Date(date.getTime() + offset * 60_000).toISOString();
  if (offset === 0) return iso;
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return iso.slice(0, -1) + zone;
}

function parseDate(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  if (m[4]) offsets.set(date, (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 60 + Number(m[6])));
  return date;
}

const fail = (why: string): never => {
  throw new TypeError(why);
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON values compared deeply, object keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

/** A reference as the id it stores: an id, or a Ref or model object, which has one. */
function refId(value: unknown): unknown {
  return typeof value === 'string' ? value : (value as { id?: unknown }).id;
}

/** A kind whose values are immutable primitives: copied and stored as they are, equal when ===. */
function primitive(check: (value: unknown) => string | undefined): KindCodec {
  return {
    check,
    copy: (value) => value,
    encode: (value) => value,
    decode: (json) => {
      const problem = check(json);
      return problem ? fail(problem) : json;
    },
    equals: (a, b) => a === b,
    immutable: true,
  };
}

const string = primitive((value) => (typeof value === 'string' ? undefined : 'must be a string'));

export const KINDS: { readonly [K in ScalarKind | 'ref']: KindCodec } = {
  string,
  number: {
    ...primitive((value) => (typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number')),
    // JSON has no -0: what is read back is 0
    copy: (value, stored) => (stored && value === 0 ? 0 : value),
  },
  boolean: primitive((value) => (typeof value === 'boolean' ? undefined : 'must be a boolean')),
  decimal: primitive((value) => (typeof value === 'string' && DECIMAL.test(value) ? undefined : 'must be a decimal string such as "12.50"')),
  uuid: primitive((value) => (typeof value === 'string' && isUuid(value) ? undefined : 'must be a UUID')),
  time: primitive((value) =>
    typeof value === 'string' && TIME.test(value) ? undefined : 'must be a time of day "HH:MM", "HH:MM:SS" or "HH:MM:SS.mmm" (hours 00-23)',
  ),
  oid: primitive((value) => (typeof value === 'string' && OID.test(value) ? undefined : 'must be a git object id (40 lowercase hex digits)')),
  bigint: {
    check: (value) => (typeof value === 'bigint' ? undefined : 'must be a bigint'),
    copy: (value) => value,
    encode: (value) => (value as bigint).toString(),
    decode: (json) => (typeof json === 'string' && BIGINT.test(json) ? BigInt(json) : fail('must be a string of digits')),
    equals: (a, b) => a === b,
    immutable: true,
  },
  date: {
    check: (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? undefined : 'must be a valid Date'),
    copy: (value) => {
      const copy = new Date((value as Date).getTime());
      const offset = offsets.get(value as Date);
      if (offset !== undefined) offsets.set(copy, offset);
      return copy;
    },
    encode: (value) => formatDate(value as Date),
    decode: (json) => (typeof json === 'string' && parseDate(json)) || fail('must be an ISO 8601 date with a time zone'),
    equals: (a, b) => a instanceof Date && b instanceof Date && a.getTime() === b.getTime(),
  },
  json: {
    check: (value) => {
      if (value instanceof Date || typeof value === 'bigint' || value instanceof Uint8Array) {
        const type = value instanceof Date ? 'Date' : typeof value === 'bigint' ? 'BigInt' : 'Uint8Array';
        return `is a ${type} but the field holds JSON: declare it @Field({ type: ${type} })`;
      }
      return jsonProblem(value);
    },
    copy: (value, stored) => {
      if (stored) return JSON.parse(JSON.stringify(canonicalJson(value)));
      return typeof value === 'object' ? structuredClone(value) : value;
    },
    encode: canonicalJson,
    decode: plainJson,
    equals: sameJson,
  },
  // the bytes are a file of their own beside data.json, which records a BlobInfo (codec.ts)
  blob: {
    check: (value) => (value instanceof Uint8Array ? undefined : 'must be a Uint8Array (or Buffer)'),
    copy: (value) => (value as Uint8Array).slice(),
    encode: (value) => value,
    decode: () => fail('is a blob'),
    equals: (a, b) => a instanceof Uint8Array && b instanceof Uint8Array && equalBytes(a, b),
  },
  // held as a Ref (or a model object, or an id), stored as the id
  ref: {
    check: (value) =>
      (typeof value === 'string' && value !== '') || (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
        ? undefined
        : 'must be a Ref, a model object or an id',
    copy: refId,
    encode: refId,
    decode: string.decode,
    equals: (a, b) => refId(a) === refId(b),
  },
};

/** An array kind: each operation applied to every item with the element kind's codec. */
function arrayCodec(item: KindCodec): KindCodec {
  return {
    check: (value) => {
      if (!Array.isArray(value)) return 'must be an array';
      for (let i = 0; i < value.length; i++) {
        const problem = item.check(value[i]);
        if (problem) return `[${i}] ${problem}`;
      }
      return undefined;
    },
    copy: (value, stored) => (value as unknown[]).map((x) => copyWith(item, x, stored)),
    encode: (value) => (value as unknown[]).map((x) => encodeWith(item, x)),
    decode: (json) => {
      if (!Array.isArray(json)) fail('must be an array');
      return (json as unknown[]).map((value, i) => {
        try {
          return item.decode(value);
        } catch (error) {
          return fail(`[${i}] ${(error as Error).message}`);
        }
      });
    },
    equals: (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameWith(item, x, b[i])),
  };
}

const arrays = new WeakMap<FieldKind, KindCodec>();

/** The codec of a field kind. */
export function codecOf(type: FieldKind): KindCodec {
  if (type.kind !== 'array') return KINDS[type.kind];
  let codec = arrays.get(type);
  if (!codec) arrays.set(type, (codec = arrayCodec(codecOf(type.of))));
  return codec;
}

function copyWith(codec: KindCodec, value: unknown, stored: boolean): unknown {
  return value === null || value === undefined ? value : codec.copy(value, stored);
}

function encodeWith(codec: KindCodec, value: unknown): unknown {
  return value === null ? null : codec.encode(value);
}

function sameWith(codec: KindCodec, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return codec.equals(a, b);
}

/** Why a value does not fit a field's kind, or undefined when it does. */
export function typeProblem(type: FieldKind, value: unknown): string | undefined {
  return codecOf(type).check(value);
}

/**
 * A copy of a value that shares nothing mutable with it (Dates keep their time zone); references
 * become their ids. Cached values are handed out only as copies. With `stored`, the copy is what
 * decoding the saved bytes gives back (JSON keys sorted, -0 as 0).
 */
export function copyValue(type: FieldKind, value: unknown, stored = false): unknown {
  return copyWith(codecOf(type), value, stored);
}

/**
 * What copyValue() does to a decoded value (not null) as a read hands it out, worked out once per
 * field: nothing for immutable values (undefined), a slice for an array of them, else the codec's copy.
 */
export function readCopier(type: FieldKind): ((value: unknown) => unknown) | undefined {
  const codec = codecOf(type);
  if (codec.immutable) return undefined;
  if (type.kind === 'array' && codecOf(type.of).immutable) return (value) => (value as unknown[]).slice();
  return (value) => codec.copy(value, false);
}

export function encodeValue(type: FieldKind, value: unknown): unknown {
  return encodeWith(codecOf(type), value);
}

/** Whether two values of a field are the same (null and undefined are only themselves). */
export function sameValue(type: FieldKind, a: unknown, b: unknown): boolean {
  return sameWith(codecOf(type), a, b);
}
