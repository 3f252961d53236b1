// Instances ⇄ canonical bytes: an object's fields in declared order as two-space JSON with a
// trailing newline (docs/FORMAT.md), each field by its kind's codec (kinds.ts). Equal objects
// give equal bytes, hence equal blob oids.
import { fromUtf8, utf8 } from '../util/bytes.js';
import { CorruptObjectError } from '../errors.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import { canonicalJson, jsonProblem } from './json.js';
import { codecOf, encodeValue } from './kinds.js';

/** What data.json records for a blob field; the bytes are the file `file` beside it. */
export interface BlobInfo {
  file: string;
  size: number;
  oid: string;
}

/**
 * The canonical bytes of an object: declared fields in order (undefined ones left out), then any
 * keys found in the stored file that the model does not declare, kept so no data is lost.
 */
export function encodeObject(
  schema: Schema,
  values: Record<string, unknown>,
  blobs: ReadonlyMap<string, BlobInfo | null>,
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
  return utf8(`${JSON.stringify(out, null, 2)}\n`);
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
  blobs: ReadonlyMap<string, BlobInfo | null>;
  /** keys the model does not declare, when the file has any */
  extra?: Record<string, unknown>;
}

/**
 * What a decoded object's values are kept in: an object whose prototype has no keys, so no field
 * name is special (`__proto__`, `toString`), as with Object.create(null), but in V8's fast mode:
 * a null-prototype object is a dictionary, ~450 bytes more per object than fields in a shape
 * shared by every object of the model (the decoded cache holds 100,000s of them).
 */
const NO_KEYS: object = Object.freeze(Object.create(null));

export function newValues(): Record<string, unknown> {
  return Object.create(NO_KEYS) as Record<string, unknown>;
}

/** The blobs of an object with no blob fields set, shared by all of them: a map per object costs ~150 bytes. */
export const NO_BLOBS: ReadonlyMap<string, BlobInfo | null> = new Map();

/** Parses a data file, checking every declared field's shape; errors name the path and field. */
export function decodeObject(schema: Schema, bytes: Uint8Array, path: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (error) {
    throw new CorruptObjectError({ path, reason: `not JSON (${(error as Error).message})` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CorruptObjectError({ path, reason: 'not a JSON object' });
  }
  const record = parsed as Record<string, unknown>;
  const problem = jsonProblem(record);
  if (problem) throw new CorruptObjectError({ path, reason: problem });
  const values = newValues();
  // made only for a model with blob fields, and the declared names only when the file has a key
  // beyond the fields present: an index build decodes 100,000 files, most with neither
  let blobs: Map<string, BlobInfo | null> | undefined;
  let present = 0;
  for (const field of schema.fields) {
    if (!Object.prototype.hasOwnProperty.call(record, field.name)) continue;
    present++;
    const json = record[field.name];
    try {
      if (json === null) {
        if (field.type.kind === 'blob') (blobs ??= new Map()).set(field.name, null);
        else if (!field.nullable) throw new TypeError('is null but the field is not nullable');
        values[field.name] = null;
      } else if (field.type.kind === 'blob') (blobs ??= new Map()).set(field.name, decodeBlob(field, json));
      else values[field.name] = codecOf(field.type).decode(json);
    } catch (error) {
      throw new CorruptObjectError({ path, field: field.name, reason: `field "${field.name}" ${(error as Error).message}` });
    }
  }
  const kept = blobs ?? NO_BLOBS;
  const keys = Object.keys(record);
  if (keys.length === present) return { values, blobs: kept };
  const declared = new Set(schema.fields.map((f) => f.name));
  const undeclared = keys.filter((key) => !declared.has(key));
  const extra: Record<string, unknown> = Object.create(null);
  for (const key of undeclared) extra[key] = record[key];
  return { values, blobs: kept, extra };
}
