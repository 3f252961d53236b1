// Reading objects: a model instance hydrated from the files a TreeReader sees (staged, or as of a
// commit), through a cache of decoded data files by blob oid; and the reads get, exists and all.
import { CorruptObjectError, NotFoundError } from '../errors.js';
import { schemaOf, type FieldDef, type Schema } from '../metadata/schema.js';
import { ownSlot } from '../util/class-slot.js';
import type { ModelHost } from '../workspace/model-host.js';
import type { TreeReader } from '../workspace/snapshot.js';
import { concreteSchema, hostOf, layoutOf, objectOf } from './binding.js';
import { type BlobInfo, type Decoded, decodeObject } from './codec.js';
import { constructForRead } from './construct.js';
import { copyValue, readCopier } from './kinds.js';
import type { Layout } from './layout.js';
import { assertSafeId } from './id.js';
import { type Ref, StoredRef } from './ref.js';
import { refTarget } from './references.js';
import { ModelSet } from './results.js';
import { stateOf } from './state.js';

export interface ReadOptions {
  /** a branch, tag, commit or revision such as `main~2` (default: the workspace, staged changes included) */
  at?: string;
}

/** A decoded data file in the workspace's cache, with the model it was decoded for. */
interface CachedDecoded {
  model: Function;
  decoded: Decoded;
}

/**
 * A model's data file decoded earlier, by blob oid: filled by reads and saves, in the
 * workspace's cache bounded by bytes. Content addressing means an entry is never stale; values are
 * copied on the way out, so no instance shares them. Keyed by the oid alone (the tree's own string,
 * whose hash V8 keeps): the same bytes under two models are rare, and only make them take turns.
 */
export function cachedDecoded(cls: Function, oid: string, host = hostOf(cls), use = true): Decoded | undefined {
  const hit = (use ? host.decodedCache.get(oid) : host.decodedCache.peek(oid)) as CachedDecoded | undefined;
  return hit?.model === cls ? hit.decoded : undefined;
}

/** Keeps a decoded data file of `size` bytes; its weight in memory is estimated from that. */
export function keepDecoded(cls: Function, oid: string, decoded: Decoded, size: number): void {
  // measured for the bench's records (~370-byte files): ~1 KB each with the cache's own entry
  hostOf(cls).decodedCache.set(oid, { model: cls, decoded } satisfies CachedDecoded, 2 * size + 300);
}

/** The data file at `path` (blob `oid`) decoded: from the cache, else read through the reader and kept. */
export async function decodedFile(cls: Function, schema: Schema, reader: TreeReader, path: string, oid: string): Promise<Decoded> {
  let decoded = cachedDecoded(cls, oid);
  if (!decoded) {
    const bytes = (await reader.readFile(path))!;
    decoded = decodeObject(schema, bytes, path);
    keepDecoded(cls, oid, decoded, bytes.length);
  }
  return decoded;
}

/** Reads one object through a reader; undefined when its data file is absent. */
export async function load<T extends object>(cls: Function, reader: TreeReader, id: string, at?: string): Promise<T | undefined> {
  const warm = loadNow<T>(cls, reader, id, at);
  return warm !== null ? warm : loadRead<T>(cls, reader, id, at);
}

/** load() once loadNow() has said it takes a read. */
async function loadRead<T extends object>(cls: Function, reader: TreeReader, id: string, at?: string): Promise<T | undefined> {
  const { schema, layout } = objectOf(cls, id);
  const path = layout.dataPath(id);
  const file = await reader.stat(path);
  if (!file) return undefined;
  if (file === 'dir') throw new CorruptObjectError({ path, reason: 'expected a file, found a directory' });
  return hydrate<T>(cls, reader, id, file.oid, await decodedFile(cls, schema, reader, path, file.oid), at);
}

/**
 * load() answered from memory alone, without awaiting: the reader knows the path without a read,
 * and the data file is decoded already, with no blob fields to read. Null when that takes a read.
 * A warm get is then one promise: each await of load()'s slower path cost more than such a read.
 */
function loadNow<T extends object>(cls: Function, reader: TreeReader, id: string, at?: string, listed = false): T | undefined | null {
  if (!reader.statNow) return null;
  const plan = readPlanOf(cls);
  // an id a scan listed was checked by the listing (Layout.ids)
  if (!listed) assertSafeId(plan.schema.name, id);
  const path = plan.layout.dataPath(id);
  // a scan visits each path once: nothing to remember
  const file = reader.statNow(path, !listed);
  if (file === undefined) return undefined;
  if (file === null || file === 'dir') return null;
  const host = hostOf(cls);
  const decoded = cachedDecoded(cls, file.oid, host);
  return decoded && !decoded.blobs.size ? instanceOf<T>(cls, plan, host, path, id, file.oid, decoded, at) : null;
}

/** How a read sets one field: the copy its kind needs (none for immutable values), and for a reference its field. */
interface FieldRead {
  name: string;
  copy: ((value: unknown) => unknown) | undefined;
  ref: FieldDef | undefined;
}

/** What reading a model's objects takes, worked out once per class: a warm get is a few microseconds, and asking the schema each time was a third of it. */
interface ReadPlan {
  schema: Schema;
  layout: Layout;
  fields: FieldRead[];
  /** a field has a default, which the base constructor applies (constructForRead() is not for it) */
  defaults: boolean;
}

const READ_PLAN = Symbol('gitmodel.readPlan');

function readPlanOf(cls: Function): ReadPlan {
  return ownSlot(cls, READ_PLAN, () => {
    const schema = concreteSchema(cls);
    return {
      schema,
      layout: layoutOf(schema),
      fields: schema.fields.map((field) => ({ name: field.name, copy: field.type.kind === 'ref' ? undefined : readCopier(field.type), ref: field.type.kind === 'ref' ? field : undefined })),
      // the id's default (a random uuid) never shows: every read sets the id its path gives
      defaults: schema.fields.some((field) => field.makeDefault && field !== schema.id),
    };
  });
}

/**
 * An instance from an object's decoded data file (its oid given): what every read builds, with
 * the check that the file's id is the one its path gives. Blob fields are read through the reader.
 */
export async function hydrate<T extends object>(cls: Function, reader: TreeReader, id: string, oid: string, decoded: Decoded, at?: string): Promise<T> {
  const plan = readPlanOf(cls);
  assertSafeId(plan.schema.name, id);
  const layout = plan.layout;
  const instance = instanceOf<T>(cls, plan, hostOf(cls), layout.dataPath(id), id, oid, decoded, at);
  if (decoded.blobs.size) {
    const self = instance as unknown as Record<string, unknown>;
    for (const [name, info] of decoded.blobs) self[name] = info && (await readBlobField(reader, layout.folder(id), info));
  }
  return instance;
}

/** A field's value as a read hands it out: a copy of the decoded one, a reference's id made a Ref loading from the same revision. */
export function fieldValue(host: ModelHost, field: FieldDef, decoded: unknown, at?: string): unknown {
  const value = copyValue(field.type, decoded);
  return field.type.kind === 'ref' && typeof value === 'string' ? makeRef(host, field, value, at) : value;
}

/** The instance of hydrate() but for its blob fields, built without awaiting. */
function instanceOf<T extends object>(cls: Function, plan: ReadPlan, host: ModelHost, path: string, id: string, oid: string, decoded: Decoded, at?: string): T {
  const values = decoded.values;
  // checked on every read: the same bytes can sit at two paths (a copy made by another tool)
  const idName = plan.schema.id.name;
  if (values[idName] !== id) throw new CorruptObjectError({ path, field: idName, reason: `its ${idName} is not "${id}", the id its path gives` });
  const extra = decoded.extra && structuredClone(decoded.extra);
  let instance: object;
  if (plan.defaults) {
    instance = Reflect.construct(cls, []) as object;
    const state = stateOf(instance);
    state.storedId = id;
    state.oid = oid;
    state.extra = extra;
  } else instance = constructForRead(cls, { storedId: id, oid, extra });
  const self = instance as Record<string, unknown>;
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const value = values[field.name];
    // absent from the file (decoded values are never undefined): what construction gave stays
    if (value === undefined) continue;
    if (value === null) self[field.name] = null;
    else if (field.copy) self[field.name] = field.copy(value);
    else self[field.name] = field.ref ? makeRef(host, field.ref, value as string, at) : value;
  }
  return instance as T;
}

async function readBlobField(reader: TreeReader, folder: string, info: BlobInfo): Promise<Uint8Array> {
  const path = `${folder}/${info.file}`;
  const stat = await reader.stat(path);
  if (!stat || stat === 'dir' || stat.oid !== info.oid) {
    throw new CorruptObjectError({ path, field: info.file, reason: 'the blob file is missing or does not match data.json' });
  }
  return (await reader.readFile(path))!;
}

/** A reference read from a data file: loaded from the same revision as the object holding it. */
export function makeRef(host: ModelHost, field: FieldDef, id: string, at?: string): Ref<object> {
  return new StoredRef(id, async () => {
    const target = refTarget(field, () => host);
    const object = await load<object>(target, await hostOf(target).reader(at), id, at);
    if (!object) throw new NotFoundError({ model: schemaOf(target).name, id, at });
    return object;
  });
}

/** The object with this id; NotFoundError when there is none. */
export async function getObject<T>(cls: Function, id: string, options: ReadOptions): Promise<T> {
  const host = hostOf(cls);
  const reader = options.at === undefined ? host.staged : await host.reader(options.at);
  const warm = loadNow<object>(cls, reader, id, options.at);
  const object = warm !== null ? warm : await loadRead<object>(cls, reader, id, options.at);
  if (!object) throw new NotFoundError({ model: schemaOf(cls).name, id, at: options.at });
  return object as T;
}

export async function objectExists(cls: Function, id: string, options: ReadOptions): Promise<boolean> {
  const { layout } = objectOf(cls, id);
  const stat = await (await hostOf(cls).reader(options.at)).stat(layout.dataPath(id));
  return stat !== undefined && stat !== 'dir';
}

/** Objects a scan reads ahead at once: ~0.5 MB of a typical model's files, well within the object cache. */
const SCAN_BATCH = 1024;
/** Batches a scan does not read ahead after one that found everything in memory. */
const SKIP_WHEN_WARM = 4;

/** Every object of the model, in id order. */
export function allObjects<T>(cls: Function, options: ReadOptions): ModelSet<T> {
  return ModelSet.batched<T>(async function* () {
    const layout = layoutOf(concreteSchema(cls));
    const host = hostOf(cls);
    const reader = await host.reader(options.at);
    const ids = await layout.ids(reader);
    let skip = 0;
    for (let start = 0; start < ids.length; start += SCAN_BATCH) {
      const batch = ids.slice(start, start + SCAN_BATCH);
      // each batch read ahead in storage order (3.5x faster than at random), files decoded before
      // skipped; while everything is in memory already, only every few batches look
      if (skip > 0) skip--;
      else if (reader.prefetch) {
        const read = await reader.prefetch(
          batch.map((id) => layout.dataPath(id)),
          // a look that is not a use: the read after it is
          (oid) => !cachedDecoded(cls, oid, host, false),
        );
        if (read === 0) skip = SKIP_WHEN_WARM;
      }
      // handed over a batch at a time, each object built without awaiting once read ahead; what
      // was built before a failure is handed over before the error
      const objects: T[] = [];
      try {
        for (const id of batch) {
          const warm = loadNow<object>(cls, reader, id, options.at, true);
          const object = warm !== null ? warm : await loadRead<object>(cls, reader, id, options.at);
          if (object) objects.push(object as T);
        }
      } catch (error) {
        if (objects.length) yield objects;
        throw error;
      }
      yield objects;
    }
  });
}
