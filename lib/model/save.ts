// Saving an object: checked (fields, class-validator, oid fields), planned (blob files and the
// canonical data file), then staged under the index lock (no duplicate id, no case twin, a changed
// id moves the object).
import { CorruptObjectError, DuplicateIdError, type FieldFailure, UnsafeIdError, ValidationError } from '../errors.js';
import { hashObject } from '../git/object.js';
import type { FieldDef, Schema } from '../metadata/schema.js';
import type { ModelHost } from '../workspace/model-host.js';
import type { StageOp } from '../workspace/staged-tree.js';
import { concreteSchema, hostOf, layoutOf } from './binding.js';
import { type BlobInfo, encodeObject, NO_BLOBS, newValues } from './codec.js';
import { assertSafeId } from './id.js';
import { copyValue } from './kinds.js';
import type { Layout } from './layout.js';
import { checkUniqueAtSave } from './find.js';
import { keepDecoded } from './load.js';
import { type InstanceState, stateOf } from './state.js';
import { validateObject } from './validate.js';
import { commitAlone, commits, defaultMessage, type WriteOptions } from './write.js';

type Values = Record<string, unknown>;

/** What staging a save writes: the blob files and data file, and the data file's oid. */
interface SavePlan {
  ops: StageOp[];
  oid: string;
}

/** The values of the oid fields (in arrays too) that are set. */
function oidsOf(type: FieldDef['type'], value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (type.kind === 'oid' && typeof value === 'string') out.push(value);
  else if (type.kind === 'array' && Array.isArray(value)) for (const item of value) oidsOf(type.of, item, out);
}

/**
 * Checks that the oids an object's oid fields hold name objects of the repository: stored, or
 * staged in the workspace index and not yet written, or written by this very save (the blobs of
 * its blob fields, hashed only when an oid is not found otherwise).
 */
export async function missingOids(host: ModelHost, schema: Schema, self: Values): Promise<FieldFailure[]> {
  const failures: FieldFailure[] = [];
  let saved: Set<string> | undefined;
  for (const field of schema.fields) {
    const oids: string[] = [];
    oidsOf(field.type, self[field.name], oids);
    for (const oid of oids) {
      if (await host.hasObject(oid)) continue;
      if (!saved) {
        saved = new Set();
        for (const blob of schema.fields) {
          const bytes = self[blob.name];
          if (blob.type.kind === 'blob' && bytes instanceof Uint8Array) saved.add(hashObject('blob', bytes));
        }
      }
      if (saved.has(oid)) continue;
      failures.push({ field: field.name, constraints: { exists: `${field.name} names object ${oid}, which is not in the repository` } });
      break;
    }
  }
  return failures;
}

/** Validates an object for saving: its id, or a ValidationError carrying every failure. */
async function checkSave(host: ModelHost, schema: Schema, instance: object): Promise<string> {
  const self = instance as Values;
  const failures = await validateObject(schema, instance);
  if (!failures.length) failures.push(...(await missingOids(host, schema, self)));
  const id = self[schema.id.name];
  if (failures.length) throw new ValidationError({ model: schema.name, id: typeof id === 'string' ? id : undefined, failures });
  assertSafeId(schema.name, id);
  return id;
}

/**
 * The files a save writes: each blob field's bytes (or its removal), then the canonical data
 * file. What a get of the object will decode is cached now, so reading back what was saved costs
 * no parse.
 */
function planSave(cls: Function, schema: Schema, layout: Layout, instance: object, id: string): SavePlan {
  const self = instance as Values;
  const state = stateOf(instance);
  const ops: StageOp[] = [];
  const blobs = new Map<string, BlobInfo | null>();
  for (const field of schema.fields) {
    if (field.type.kind !== 'blob') continue;
    const value = self[field.name] as Uint8Array | null | undefined;
    const path = `${layout.folder(id)}/${field.name}`;
    if (value) {
      // one copy, taken before anything is awaited, is both hashed for data.json and staged: the
      // caller's buffer may change while this save waits for the index
      const bytes = new Uint8Array(value);
      const oid = hashObject('blob', bytes);
      ops.push({ path, data: bytes, oid });
      blobs.set(field.name, { file: field.name, size: bytes.length, oid });
    } else {
      ops.push({ path, remove: true });
      if (value === null) blobs.set(field.name, null);
    }
  }
  const data = encodeObject(schema, self, blobs, state.extra);
  const oid = hashObject('blob', data);
  ops.push({ path: layout.dataPath(id), data, oid });
  if (!blobs.size) {
    const values = newValues();
    for (const field of schema.fields) if (self[field.name] !== undefined) values[field.name] = copyValue(field.type, self[field.name], true);
    keepDecoded(cls, oid, { values, blobs: NO_BLOBS, extra: state.extra && structuredClone(state.extra) }, data.length, true);
  }
  return { ops, oid };
}

/**
 * Refuses a new id whose folder (or file) name differs only in letter case or Unicode
 * normalization from one beside it, such as "Foo" beside "foo": a checkout on a case-insensitive
 * disk would hold one of them. The object's own old name is fine (a move from "foo" to "Foo").
 */
async function assertNoCaseTwin(host: ModelHost, model: string, layout: Layout, id: string, storedId?: string): Promise<void> {
  const root = layout.root(id);
  const twin = await host.caseTwin(root);
  const folder = root.slice(0, root.lastIndexOf('/') + 1);
  if (twin === undefined || (storedId !== undefined && layout.root(storedId) === folder + twin)) return;
  throw new UnsafeIdError({ model, id, reason: `it differs only in letter case or Unicode normalization from "${twin}" beside it, which a case-insensitive disk (macOS, Windows) would take for the same name` });
}

/** Stages a planned save with no other write in between: a new id must be free, a changed one moves the object. */
async function stageSave(host: ModelHost, schema: Schema, layout: Layout, state: InstanceState, id: string, plan: SavePlan, instance: object, tx: WriteOptions['tx']): Promise<void> {
  const { ops } = plan;
  await host.exclusive(async (stage) => {
    const reader = await host.reader();
    const taken = await reader.stat(layout.dataPath(id));
    if (taken === 'dir') throw new CorruptObjectError({ path: layout.dataPath(id), reason: 'expected a file, found a directory' });
    if (taken && (state.storedId === undefined || state.storedId !== id)) {
      throw new DuplicateIdError({ model: schema.name, id });
    }
    if (!taken) await assertNoCaseTwin(host, schema.name, layout, id, state.storedId);
    await checkUniqueAtSave(schema.cls, host, id, state.storedId, instance as Values);
    // a changed id moves the object: the old folder goes in the same step as the new one appears
    if (state.storedId !== undefined && state.storedId !== id) ops.unshift({ path: layout.root(state.storedId), remove: true });
    await stage(ops);
    state.storedId = id;
    state.oid = plan.oid;
  }, tx);
}

/**
 * Validates the object and stages it in the workspace index (moving it if its id changed);
 * with `{ commit: true }` also commits, returning the commit oid (null if nothing changed).
 */
export async function saveObject(instance: object & { save(options?: WriteOptions): Promise<string | null> }, options: WriteOptions): Promise<string | null> {
  const cls = instance.constructor;
  const schema = concreteSchema(cls);
  const layout = layoutOf(schema);
  const host = hostOf(cls);
  const state = stateOf(instance);
  const id = await checkSave(host, schema, instance);
  if (commits(host, options)) {
    const message = options.message ?? defaultMessage('Save', schema.name, id);
    const { storedId, oid } = state;
    try {
      return await commitAlone(host, (tx) => instance.save({ ...options, commit: false, tx }), message, options);
    } catch (error) {
      // the save was undone with the failed commit
      state.storedId = storedId;
      state.oid = oid;
      throw error;
    }
  }
  await stageSave(host, schema, layout, state, id, planSave(cls, schema, layout, instance, id), instance, options.tx);
  return null;
}
