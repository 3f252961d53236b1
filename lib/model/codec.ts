// Instances ⇄ canonical bytes: an object's fields in declared order as two-space JSON with a
// trailing newline (docs/FORMAT.md). Equal objects give equal bytes, hence equal blob oids.
import { validate as isUuid } from 'uuid';
import { CorruptObjectError } from '../errors.js';
import type { FieldDef, FieldKind, Schema } from '../metadata/schema.js';
import { canonicalJson, jsonProblem, plainJson } from './json.js';

/** What data.json records for a blob field; the bytes are the file `file` beside it. */
export interface BlobInfo {
  file: string;
  size: number;
  oid: string;
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

export function formatDate(date: Date): string {
  const offset = offsets.get(date) ?? 0;
  const iso = new Date(date.getTime() + offset * 60_000).toISOString();
  if (offset === 0) return iso;
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return iso.slice(0, -1) + zone;
}

export function parseDate(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  if (m[4]) offsets.set(date, (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 60 + Number(m[6])));
  return date;
}

/** Why a value does not fit a field's kind, or undefined when it does. */
export function typeProblem(type: FieldKind, value: unknown): string | undefined {
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'date':
      return value instanceof Date && !Number.isNaN(value.getTime()) ? undefined : 'must be a valid Date';
    case 'bigint':
      return typeof value === 'bigint' ? undefined : 'must be a bigint';
    case 'decimal':
      return typeof value === 'string' && DECIMAL.test(value) ? undefined : 'must be a decimal string such as "12.50"';
    case 'uuid':
      return typeof value === 'string' && isUuid(value) ? undefined : 'must be a UUID';
    case 'time':
      return typeof value === 'string' && TIME.test(value) ? undefined : 'must be a time of day "HH:MM", "HH:MM:SS" or "HH:MM:SS.mmm" (hours 00-23)';
    case 'oid':
      return typeof value === 'string' && OID.test(value) ? undefined : 'must be a git object id (40 lowercase hex digits)';
    case 'json':
      if (value instanceof Date || typeof value === 'bigint' || value instanceof Uint8Array) {
        const type = value instanceof Date ? 'Date' : typeof value === 'bigint' ? 'BigInt' : 'Uint8Array';
        return `is a ${type} but the field holds JSON: declare it @Field({ type: ${type} })`;
      }
      return jsonProblem(value);
    case 'blob':
      return value instanceof Uint8Array ? undefined : 'must be a Uint8Array (or Buffer)';
    case 'ref':
      return (typeof value === 'string' && value !== '') || (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
        ? undefined
        : 'must be a Ref, a model object or an id';
    case 'array': {
      if (!Array.isArray(value)) return 'must be an array';
      for (let i = 0; i < value.length; i++) {
        const problem = typeProblem(type.of, value[i]);
        if (problem) return `[${i}] ${problem}`;
      }
      return undefined;
    }
  }
}

/**
 * A copy of a value that shares nothing mutable with it (Dates keep their time zone); references
 * become their ids. Cached values are handed out only as copies. With `stored`, the copy is what
 * decoding the saved bytes gives back (JSON keys sorted, -0 as 0).
 */
export function copyValue(type: FieldKind, value: unknown, stored = false): unknown {
  if (value === null || value === undefined) return value;
  if (stored && type.kind === 'json') return JSON.parse(JSON.stringify(canonicalJson(value)));
  if (stored && type.kind === 'number' && value === 0) return 0;
  switch (type.kind) {
    case 'date': {
      const copy = new Date((value as Date).getTime());
      const offset = offsets.get(value as Date);
      if (offset !== undefined) offsets.set(copy, offset);
      return copy;
    }
    case 'json':
      return typeof value === 'object' ? structuredClone(value) : value;
    case 'array':
      return (value as unknown[]).map((item) => copyValue(type.of, item, stored));
    case 'blob':
      return (value as Uint8Array).slice();
    case 'ref':
      return typeof value === 'string' ? value : (value as { id: string }).id;
    default:
      return value;
  }
}

function encodeValue(type: FieldKind, value: unknown): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'date':
      return formatDate(value as Date);
    case 'bigint':
      return (value as bigint).toString();
    case 'json':
      return canonicalJson(value);
    case 'ref':
      return typeof value === 'string' ? value : (value as { id: string }).id;
    case 'array':
      return (value as unknown[]).map((item) => encodeValue(type.of, item));
    default:
      return value;
  }
}

/**
 * The canonical bytes of an object: declared fields in order (undefined ones left out), then any
 * keys found in the stored file that the model does not declare, kept so no data is lost.
 */
export function encodeObject(
  schema: Schema,
  values: Record<string, unknown>,
  blobs: Map<string, BlobInfo | null>,
  extra?: Record<string, unknown>,
): Uint8Array {
  const out: Record<string, unknown> = Object.create(null);
  for (const field of schema.fields) {
    if (field.type.kind === 'blob') {
      const info = blobs.get(field.name);
      if (info !== undefined) out[field.name] = info;
      continue;
    }
    const value = values[field.name];
    if (value !== undefined) out[field.name] = encodeValue(field.type, value);
  }
  for (const key of Object.keys(extra ?? {}).sort()) if (!(key in out)) out[key] = canonicalJson(extra![key]);
  return Buffer.from(`${JSON.stringify(out, null, 2)}\n`);
}

function decodeValue(type: FieldKind, json: unknown): unknown {
  const fail = (why: string): never => {
    throw new TypeError(why);
  };
  switch (type.kind) {
    case 'string':
    case 'decimal':
    case 'uuid':
    case 'time':
    case 'oid':
    case 'number':
    case 'boolean':
    case 'ref': {
      const stored = type.kind === 'ref' ? { kind: 'string' as const } : type;
      const problem = typeProblem(stored, json);
      return problem ? fail(problem) : json;
    }
    case 'date':
      return (typeof json === 'string' && parseDate(json)) || fail('must be an ISO 8601 date with a time zone');
    case 'bigint':
      return typeof json === 'string' && BIGINT.test(json) ? BigInt(json) : fail('must be a string of digits');
    case 'json':
      return plainJson(json);
    case 'blob':
      return fail('is a blob'); // handled by decodeObject
    case 'array':
      if (!Array.isArray(json)) fail('must be an array');
      return (json as unknown[]).map((item, i) => {
        try {
          return decodeValue(type.of, item);
        } catch (error) {
          return fail(`[${i}] ${(error as Error).message}`);
        }
      });
  }
}

function decodeBlob(field: FieldDef, json: unknown): BlobInfo {
  const info = json as Partial<BlobInfo> | null;
  if (
    !info || typeof info !== 'object' || Array.isArray(info) || info.file !== field.name ||
    !Number.isSafeInteger(info.size) || typeof info.oid !== 'string' || !/^[0-9a-f]{40}$/.test(info.oid) ||
    Object.keys(info).length !== 3
  ) {
    throw new TypeError(`must be {"file": "${field.name}", "size": <bytes>, "oid": <blob oid>}`);
  }
  return info as BlobInfo;
}

export interface Decoded {
  values: Record<string, unknown>;
  blobs: Map<string, BlobInfo | null>;
  /** keys the model does not declare, when the file has any */
  extra?: Record<string, unknown>;
}

/** Parses a data file, checking every declared field's shape; errors name the path and field. */
export function decodeObject(schema: Schema, bytes: Uint8Array, path: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new CorruptObjectError({ path, reason: `not JSON (${(error as Error).message})` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CorruptObjectError({ path, reason: 'not a JSON object' });
  }
  const record = parsed as Record<string, unknown>;
  const problem = jsonProblem(record);
  if (problem) throw new CorruptObjectError({ path, reason: problem });
  const values: Record<string, unknown> = Object.create(null);
  const blobs = new Map<string, BlobInfo | null>();
  for (const field of schema.fields) {
    if (!Object.prototype.hasOwnProperty.call(record, field.name)) continue;
    const json = record[field.name];
    try {
      if (json === null) {
        if (field.type.kind === 'blob') blobs.set(field.name, null);
        else if (!field.nullable) throw new TypeError('is null but the field is not nullable');
        values[field.name] = null;
      } else if (field.type.kind === 'blob') blobs.set(field.name, decodeBlob(field, json));
      else values[field.name] = decodeValue(field.type, json);
    } catch (error) {
      throw new CorruptObjectError({ path, field: field.name, reason: `field "${field.name}" ${(error as Error).message}` });
    }
  }
  const declared = new Set(schema.fields.map((f) => f.name));
  const undeclared = Object.keys(record).filter((key) => !declared.has(key));
  if (!undeclared.length) return { values, blobs };
  const extra: Record<string, unknown> = Object.create(null);
  for (const key of undeclared) extra[key] = record[key];
  return { values, blobs, extra };
}
