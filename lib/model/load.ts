// Reading objects: a model instance hydrated from the files a TreeReader sees (staged, or as of a
// commit), through a cache of decoded data files by blob oid; and the reads get, exists and all.
import { CorruptObjectError, NotFoundError } from '../errors.js';
import { schemaOf, type FieldDef, type Schema } from '../metadata/schema.js';
import type { ModelHost } from '../workspace/model-host.js';
import type { TreeReader } from '../workspace/snapshot.js';
import { concreteSchema, hostOf, layoutOf, objectOf } from './binding.js';
import { type BlobInfo, type Decoded, decodeObject } from './codec.js';
import { copyValue } from './kinds.js';
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
 * workspace's caches bounded by bytes. Content addressing means an entry is never stale; values are
 * copied on the way out, so no instance shares them. Keyed by the oid alone (the tree's own string,
 * whose hash V8 keeps): the same bytes under two models are rare, and only make them take turns.
 * A file saved and not read yet is in a smaller cache of its own (an import of 100,000 objects
 * kept every one decoded, ~80 MB); its first read moves it to the readers' cache.
 */
export function cachedDecoded(cls: Function, oid: string): Decoded | undefined {
  const host = hostOf(cls);
  let hit = host.decodedCache.get(oid) as CachedDecoded | undefined;
  if (hit === undefined) {
    const saved = host.savedDecoded.take(oid);
    if (saved === undefined) return undefined;
    hit = saved.value as CachedDecoded;
    host.decodedCache.set(oid, hit, saved.weight);
  }
  return hit.model === cls ? hit.decoded : undefined;
}

/** Keeps a decoded data file of `size` bytes, read or (`saved`) just saved; its weight in memory is estimated from that. */
export function keepDecoded(cls: Function, oid: string, decoded: Decoded, size: number, saved = false): void {
  const host = hostOf(cls);
  // measured for the bench's records (~370-byte files): ~1 KB each with the cache's own entry
  (saved ? host.savedDecoded : host.decodedCache).set(oid, { model: cls, decoded } satisfies CachedDecoded, 2 * size + 300);
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
function loadNow<T extends object>(cls: Function, reader: TreeReader, id: string, at?: string): T | undefined | null {
  if (!reader.statNow) return null;
  const { schema, layout } = objectOf(cls, id);
  const path = layout.dataPath(id);
  const file = reader.statNow(path);
  if (file === undefined) return undefined;
  if (file === null || file === 'dir') return null;
  const decoded = cachedDecoded(cls, file.oid);
  return decoded && !decoded.blobs.size ? instanceOf<T>(cls, schema, path, id, file.oid, decoded, at) : null;
}

/**
 * An instance from an object's decoded data file (its oid given): what every read builds, with
 * the check that the file's id is the one its path gives. Blob fields are read through the reader.
 */
export async function hydrate<T extends object>(cls: Function, reader: TreeReader, id: string, oid: string, decoded: Decoded, at?: string): Promise<T> {
  const { schema, layout } = objectOf(cls, id);
  const instance = instanceOf<T>(cls, schema, layout.dataPath(id), id, oid, decoded, at);
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
function instanceOf<T extends object>(cls: Function, schema: Schema, path: string, id: string, oid: string, decoded: Decoded, at?: string): T {
  // checked on every read: the same bytes can sit at two paths (a copy made by another tool)
  if (decoded.values[schema.id.name] !== id) {
    throw new CorruptObjectError({ path, field: schema.id.name, reason: `its ${schema.id.name} is not "${id}", the id its path gives` });
  }
  const host = hostOf(cls);
  const instance = Reflect.construct(cls, []) as T;
  const self = instance as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    if (field.name in decoded.values) self[field.name] = fieldValue(host, field, decoded.values[field.name], at);
  }
  const state = stateOf(instance);
  state.storedId = id;
  state.oid = oid;
  state.extra = decoded.extra && structuredClone(decoded.extra);
  return instance;
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
    const reader = await hostOf(cls).reader(options.at);
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
          (oid) => !cachedDecoded(cls, oid),
        );
        if (read === 0) skip = SKIP_WHEN_WARM;
      }
      // handed over a batch at a time, each object built without awaiting once read ahead; what
      // was built before a failure is handed over before the error
      const objects: T[] = [];
      try {
        for (const id of batch) {
          const warm = loadNow<object>(cls, reader, id, options.at);
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
