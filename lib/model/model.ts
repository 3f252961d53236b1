// The Model base class: construction, save, delete, and the static readers (get, exists, all)
// that a class gets once `ws.register()` binds it to a workspace.
import {
  ConfigurationError,
  CorruptObjectError,
  DuplicateIdError,
  type FieldFailure,
  NotFoundError,
  UnknownModelError,
  UnsafeIdError,
  ValidationError,
} from '../errors.js';
import { Lru } from '../util/lru.js';
import { blameObject, type FieldBlame } from '../history/blame.js';
import { diffObject, type ObjectDiff } from '../history/object-diff.js';
import { type HistoryOptions, objectHistory, type Version } from '../history/object-history.js';
import type { ObjectSource } from '../history/object-source.js';
import { modelDecorator, type ModelOptions } from '../metadata/model-options.js';
import { kebabCase, schemaOf, type FieldDef, type Schema } from '../metadata/schema.js';
import type { Signature } from '../workspace/signature.js';
import { CommitSnapshot, type TreeReader } from '../workspace/snapshot.js';
import { blobOid, type StageOp, StagedTree } from '../workspace/staged-tree.js';
import { BIND, type ModelBinding, type Workspace } from '../workspace/workspace.js';
import { type BlobInfo, copyValue, type Decoded, decodeObject, encodeObject } from './codec.js';
import { countingProxy, PROBE, protectInit, targetOf } from './construct.js';
import { assertSafeId } from './id.js';
import { Layout } from './layout.js';
import { ModelSet } from './query.js';
import { type Ref, StoredRef } from './ref.js';
import { validateObject } from './validate.js';

export interface ReadOptions {
  /** a branch, tag, commit or revision such as `main~2` (default: the workspace, staged changes included) */
  at?: string;
}

export interface WriteOptions {
  /** commit right away (default: only stage in the workspace index, unless the workspace was opened with `autoCommit`) */
  commit?: boolean;
  message?: string;
  author?: Signature;
}

export interface HistoryReadOptions extends ReadOptions, HistoryOptions {}

export interface RestoreOptions extends WriteOptions {
  /** the commit, branch, tag or checkpoint to take the object from */
  from: string;
}

/** Per-instance bookkeeping, kept off the enumerable fields. */
interface InstanceState {
  /** the id it has in the store (loaded or saved); undefined for a new object */
  storedId?: string;
  /** the blob oid of its data file as last saved or read; undefined for a new or deleted object */
  oid?: string;
  /** keys of the stored file that the model does not declare, written back untouched */
  extra?: Record<string, unknown>;
}

const WORKSPACE = Symbol('gitmodel.workspace');
const LAYOUT = Symbol('gitmodel.layout');

type Values = Record<string, unknown>;
type ModelStatic<T> = { new (...args: never[]): T } & Function;

// The constructor's argument, typed from the model's own properties (`class Page extends
// Model<Page>`): every writable data property, optional; not methods, getters or what the base
// class has (save, oid, …), but `id`, which always means the id whichever field holds it. A
// reference field takes a Ref, the object itself or its id.
type AnyFunction = (...args: never[]) => unknown;
type Same<X, Y> = (<G>() => G extends X ? 1 : 2) extends <G>() => G extends Y ? 1 : 2 ? true : false;
type IsWritable<T, K extends keyof T> = Same<{ [P in K]: T[K] }, { -readonly [P in K]: T[K] }>;
type RefTarget<V> = NonNullable<V> extends Ref<infer R> ? R : never;
type InitValue<V> = [RefTarget<V>] extends [never] ? V : V | RefTarget<V> | string;
type DataKeys<T> = {
  [K in keyof T]-?: K extends keyof ModelBase ? never : T[K] extends AnyFunction ? never : IsWritable<T, K> extends true ? K : never;
}[keyof T];

/** What `new Model<T>(init)` accepts: T's data fields, all optional, and `id`. */
export type ModelInit<T> = { [K in DataKeys<T>]?: InitValue<T[K]> } & { id?: string };

/** `class Page extends Model` (no type argument) keeps the untyped constructor: any object. */
type InitOf<Self> = 0 extends 1 & Self ? object : ModelInit<Self>;

/**
 * An instance's bookkeeping. It is a private field of the base class: invisible to users, and,
 * unlike a property defined with non-default attributes, it keeps V8's fast object layout (and,
 * unlike a WeakMap entry, costs the garbage collector nothing). Set in the class body below.
 */
let stateOf: (instance: object) => InstanceState;

function layoutOf(schema: Schema): Layout {
  const cls = schema.cls as unknown as Record<symbol, Layout>;
  if (!Object.prototype.hasOwnProperty.call(cls, LAYOUT)) {
    const layout = new Layout(schema.path, schema.name, schema.shard);
    if (!layout.hasFolder && schema.fields.some((f) => f.type.kind === 'blob')) {
      throw new ConfigurationError(
        `${schema.name} has blob fields, so its path layout "${schema.path}" needs {id} as a folder, as in {model}/{id}/data.json`,
        { model: schema.name },
      );
    }
    Object.defineProperty(cls, LAYOUT, { value: layout, enumerable: false });
  }
  return cls[LAYOUT];
}

function concreteSchema(cls: Function): Schema {
  const schema = schemaOf(cls);
  if (schema.abstract) {
    throw new ConfigurationError(`${schema.name} is abstract: save, read and register its subclasses instead`, { model: schema.name });
  }
  return schema;
}

/** The model name for messages, even of a class whose declaration is broken. */
function modelName(cls: Function): string {
  try {
    return schemaOf(cls).name;
  } catch {
    return kebabCase(cls.name);
  }
}

/** The workspace a class is registered with. */
export function workspaceOf(cls: Function): Workspace {
  const ws = Object.prototype.hasOwnProperty.call(cls, WORKSPACE)
    ? (cls as unknown as Record<symbol, Workspace>)[WORKSPACE]
    : undefined;
  if (!ws) throw new UnknownModelError({ model: modelName(cls) }, `call ws.register(${cls.name}) before using it`);
  return ws;
}

/**
 * Stages and commits as one step (`{ commit: true }`): if the commit fails (a conflict, a checked
 * out branch, a lock), the staged change is undone too, so a rejected write leaves the index as
 * it was. Inside ws.transaction() it only stages; the transaction commits.
 */
function commitAlone(ws: Workspace, stage: () => Promise<unknown>, message: string, options: WriteOptions): Promise<string | null> {
  return ws.transaction(stage, { message, author: options.author });
}

function defaultMessage(verb: string, schema: Schema, id: string): string {
  return `${verb} ${schema.name} ${id}`;
}

const DECODED = Symbol('gitmodel.decoded');

/**
 * Decoded data files of a model by blob oid, filled by reads and saves. Content addressing means
 * an entry is never stale; values are copied on the way out, so no instance shares them.
 */
function decodedCache(cls: Function): Lru<string, Decoded> {
  const holder = cls as unknown as Record<symbol, Lru<string, Decoded>>;
  if (!Object.prototype.hasOwnProperty.call(holder, DECODED)) {
    Object.defineProperty(holder, DECODED, { value: new Lru<string, Decoded>(20_000), enumerable: false });
  }
  return holder[DECODED];
}

/** Reads one object through a reader; undefined when its data file is absent. */
async function load<T extends object>(cls: Function, reader: TreeReader, id: string, at?: string): Promise<T | undefined> {
  const schema = concreteSchema(cls);
  assertSafeId(schema.name, id);
  const layout = layoutOf(schema);
  const path = layout.dataPath(id);
  const file = await reader.stat(path);
  if (!file) return undefined;
  if (file === 'dir') throw new CorruptObjectError({ path, reason: 'expected a file, found a directory' });
  const cache = decodedCache(cls);
  let decoded = cache.get(file.oid);
  if (!decoded) {
    decoded = decodeObject(schema, (await reader.readFile(path))!, path);
    cache.set(file.oid, decoded);
  }
  // checked on every read: the same bytes can sit at two paths (a copy made by another tool)
  if (decoded.values[schema.id.name] !== id) {
    throw new CorruptObjectError({ path, field: schema.id.name, reason: `its ${schema.id.name} is not "${id}", the id its path gives` });
  }
  const ws = workspaceOf(cls);
  const instance = Reflect.construct(cls, []) as T;
  const self = instance as unknown as Values;
  for (const field of schema.fields) {
    if (!(field.name in decoded.values)) continue;
    const value = copyValue(field.type, decoded.values[field.name]);
    self[field.name] = field.type.kind === 'ref' && typeof value === 'string' ? makeRef(ws, field, value, at) : value;
  }
  if (decoded.blobs.size) {
    for (const [name, info] of decoded.blobs) self[name] = info && (await readBlobField(reader, layout.folder(id), info));
  }
  const state = stateOf(instance);
  state.storedId = id;
  state.oid = file.oid;
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

function makeRef(ws: Workspace, field: FieldDef, id: string, at?: string): Ref<object> {
  const spec = (field.type as { model: string | (() => Function) }).model;
  return new StoredRef(id, async () => {
    const target = typeof spec === 'string' ? ws.model(spec) : spec();
    const object = await load<object>(target, await workspaceOf(target).reader(at), id, at);
    if (!object) throw new NotFoundError({ model: schemaOf(target).name, id, at });
    return object;
  });
}

/**
 * A reference from an id given to the constructor: the target class, and for a model named by a
 * string the workspace that knows the name, are looked up when it is loaded (the object may not
 * be registered yet when it is made).
 */
function refFromId(owner: Function, field: FieldDef, id: string): Ref<object> {
  const spec = (field.type as { model: string | (() => Function) }).model;
  return new StoredRef(id, () => {
    const target = typeof spec === 'string' ? workspaceOf(owner).model(spec) : spec();
    return (target as unknown as typeof ModelBase).get(id) as Promise<object>;
  });
}

/** The values of the oid fields (in arrays too) that are set. */
function oidsOf(type: FieldDef['type'], value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (type.kind === 'oid' && typeof value === 'string') out.push(value);
  else if (type.kind === 'array' && Array.isArray(value)) for (const item of value) oidsOf(type.of, item, out);
}

/**
 * Checks that the oids an object's oid fields hold name objects of the repository: in its object
 * database, or staged in the workspace index and not yet written, or written by this very save
 * (the blobs of its blob fields). Only what the store lacks is looked for among the
 * staged objects, which are walked (the changed folders only) once per save.
 */
async function missingOids(ws: Workspace, schema: Schema, self: Values): Promise<FieldFailure[]> {
  const failures: FieldFailure[] = [];
  let staged: Set<string> | undefined;
  for (const field of schema.fields) {
    const oids: string[] = [];
    oidsOf(field.type, self[field.name], oids);
    for (const oid of oids) {
      if (await ws.repo.objects.has(oid)) continue;
      if (!staged) {
        staged = new Set(ws.staged instanceof StagedTree ? ws.staged.newObjects().map((o) => o.oid) : []);
        for (const blob of schema.fields) {
          const bytes = self[blob.name];
          if (blob.type.kind === 'blob' && bytes instanceof Uint8Array) staged.add(blobOid(bytes));
        }
      }
      if (staged.has(oid)) continue;
      failures.push({ field: field.name, constraints: { exists: `${field.name} names object ${oid}, which is not in the repository` } });
      break;
    }
  }
  return failures;
}

/** History's view of a model class: lib/history/ reads objects through this, never importing lib/model/. */
function sourceOf<T>(cls: Function, id: string): ObjectSource<T> {
  const schema = concreteSchema(cls);
  assertSafeId(schema.name, id);
  const layout = layoutOf(schema);
  const ws = workspaceOf(cls);
  return {
    repo: ws.repo,
    model: schema.name,
    fields: schema.fields.map((f) => f.name),
    idField: schema.id.name,
    dataPath: (id) => layout.dataPath(id),
    idOf: (path) => {
      const hit = layout.locate(path);
      return hit?.data ? hit.id : undefined;
    },
    read: async (tree, id, commit) => (await load<object>(cls, new CommitSnapshot(ws.repo, tree), id, commit)) as T,
  };
}

/**
 * The folder every object of a layout lives in: the leading segments that the roots of two ids
 * share. "x" and "y" differ in the first hex digit of their sha1, so a shard folder is not shared.
 */
function sharedFolder(layout: Layout): string {
  const a = layout.root('x').split('/');
  const b = layout.root('y').split('/');
  let n = 0;
  while (n < a.length - 1 && a[n] === b[n]) n++;
  return a.slice(0, n).join('/');
}

/**
 * Refuses a new id whose folder (or file) name differs only in letter case or Unicode
 * normalization from one beside it, such as "Foo" beside "foo": a checkout on a case-insensitive
 * disk would hold one of them. The object's own old name is fine (a move from "foo" to "Foo").
 */
async function assertNoCaseTwin(ws: Workspace, model: string, layout: Layout, id: string, storedId?: string): Promise<void> {
  const root = layout.root(id);
  const twin = await ws.caseTwin(root);
  const folder = root.slice(0, root.lastIndexOf('/') + 1);
  if (twin === undefined || (storedId !== undefined && layout.root(storedId) === folder + twin)) return;
  throw new UnsafeIdError({ model, id, reason: `it differs only in letter case or Unicode normalization from "${twin}" beside it, which a case-insensitive disk (macOS, Windows) would take for the same name` });
}

/** Where history starts: `at`, or the workspace head (null on an unborn branch). */
async function startOf(cls: Function, at?: string): Promise<string | null> {
  const ws = workspaceOf(cls);
  return at !== undefined ? ws.resolve(at) : ws.head;
}

/**
 * `Self` is the model class itself, for a typed constructor: `class Page extends Model<Page>`.
 * Without it (`class Page extends Model`) the constructor takes any object, checked at run time only.
 */
class ModelBase<Self extends object = any> {
  /** The object's id: the id field's value (a uuid unless a field is marked `id`). */
  declare id: string;

  #state: InstanceState = {};

  static {
    // a proxied instance (see construct.ts) keeps the private field on its target
    stateOf = (instance) => (targetOf(instance) as ModelBase).#state;
  }

  constructor(init?: InitOf<Self>) {
    if ((init as unknown) === PROBE) return countingProxy(this) as this;
    const schema = schemaOf(new.target);
    let given = (init ?? {}) as Record<string, unknown>;
    const idName = schema.id.name;
    if (idName !== 'id' && Object.prototype.hasOwnProperty.call(given, 'id')) {
      // `id` is the id whichever field holds it, as `obj.id` is
      const { id, ...rest } = given;
      if (Object.prototype.hasOwnProperty.call(rest, idName) && rest[idName] !== id) {
        throw new ValidationError({
          model: schema.name,
          failures: [{ field: 'id', constraints: { conflict: `id and ${idName} are both given, and differ: ${idName} is the id, give one of them` } }],
        });
      }
      given = { ...rest, [idName]: id };
    }
    const unknown = init ? Object.keys(given).filter((key) => !schema.fields.some((f) => f.name === key)) : [];
    if (unknown.length) {
      throw new ValidationError({
        model: schema.name,
        failures: unknown.map((field) => ({ field, constraints: { unknown: `${schema.name} has no field "${field}"` } })),
      });
    }
    const self = this as unknown as Values;
    const defaulted: string[] = [];
    for (const field of schema.fields) {
      if (Object.prototype.hasOwnProperty.call(given, field.name)) {
        const value = given[field.name];
        // an id given for a reference becomes a Ref at once, so `obj.author.load()` works before any save
        self[field.name] = field.type.kind === 'ref' && typeof value === 'string' && value !== '' ? refFromId(new.target, field, value) : value;
      } else if (field.makeDefault) {
        self[field.name] = field.makeDefault();
        defaulted.push(field.name);
      }
    }
    return protectInit(new.target, this, init ? Object.keys(given) : [], defaulted) as this;
  }

  /**
   * The oid of the object's data file (its blob) as the object was last saved or read: equal
   * oids, equal stored objects. null for an object never saved or read, and after delete().
   */
  get oid(): string | null {
    return stateOf(this).oid ?? null;
  }

  /**
   * The object itself: what a reference's `load()` gives. With it a model object is a `Ref` to
   * itself, so `page.author = ada` type-checks where `author: Ref<Author>` is declared.
   */
  load(): Promise<this> {
    return Promise.resolve(this);
  }

  /** Hook for `ws.register()`: binds the class and tells the workspace where its files live. */
  static [BIND](this: Function, ws: Workspace): ModelBinding {
    const schema = concreteSchema(this);
    const layout = layoutOf(schema);
    return {
      name: schema.name,
      folder: sharedFolder(layout),
      root: (id) => {
        assertSafeId(schema.name, id);
        return layout.root(id);
      },
      locate: (path) => layout.locate(path),
      attach: () => Object.defineProperty(this, WORKSPACE, { value: ws, enumerable: false, configurable: true }),
    };
  }

  /** The object with this id; NotFoundError when there is none. Reads staged changes unless `at` is given. */
  static async get<T>(this: ModelStatic<T>, id: string, options: ReadOptions = {}): Promise<T> {
    const ws = workspaceOf(this);
    const reader = options.at === undefined ? ws.staged : await ws.reader(options.at);
    const object = await load<object>(this, reader, id, options.at);
    if (!object) throw new NotFoundError({ model: schemaOf(this).name, id, at: options.at });
    return object as T;
  }

  static async exists(this: ModelStatic<unknown>, id: string, options: ReadOptions = {}): Promise<boolean> {
    const schema = concreteSchema(this);
    assertSafeId(schema.name, id);
    const stat = await (await workspaceOf(this).reader(options.at)).stat(layoutOf(schema).dataPath(id));
    return stat !== undefined && stat !== 'dir';
  }

  /** Every object of the model, in id order: `await Page.all()` or `for await (const p of Page.all())`. */
  static all<T>(this: ModelStatic<T>, options: ReadOptions = {}): ModelSet<T> {
    const cls = this;
    return new ModelSet<T>(async function* () {
      const layout = layoutOf(concreteSchema(cls));
      const reader = await workspaceOf(cls).reader(options.at);
      for (const id of await layout.ids(reader)) {
        const object = await load<object>(cls, reader, id, options.at);
        if (object) yield object as T;
      }
    });
  }

  /** Deletes the object with this id (its whole folder); NotFoundError when there is none. */
  static async delete(this: ModelStatic<unknown>, id: string, options: WriteOptions = {}): Promise<string | null> {
    const schema = concreteSchema(this);
    assertSafeId(schema.name, id);
    const ws = workspaceOf(this);
    const layout = layoutOf(schema);
    const message = options.message ?? defaultMessage('Delete', schema, id);
    if (options.commit ?? ws.autoCommit) return commitAlone(ws, () => (this as unknown as typeof ModelBase).delete(id, { ...options, commit: false }), message, options);
    await ws.exclusive(async (stage) => {
      const stat = await (await ws.reader()).stat(layout.dataPath(id));
      if (!stat || stat === 'dir') throw new NotFoundError({ model: schema.name, id });
      await stage([{ path: layout.root(id), remove: true }]);
    });
    return null;
  }

  /**
   * The versions of one object along the workspace's branch (or from `at`), newest first: only
   * the commits that changed it, as `git log -- <its data file>` lists them, each with the object
   * as it was (null for a deletion). A move (id change) is followed back to the old id.
   * `for await (const v of Page.history(id))`, or `await Page.history(id)` for an array.
   */
  static history<T>(this: ModelStatic<T>, id: string, options: HistoryReadOptions = {}): ModelSet<Version<T>> {
    const cls = this;
    return new ModelSet<Version<T>>(async function* () {
      const source = sourceOf<T>(cls, id);
      const start = await startOf(cls, options.at);
      if (start) yield* objectHistory(source, start, id, options);
    });
  }

  /** The object's field-level changes between two revisions, with a unified diff of its data file. */
  static async diff<T>(this: ModelStatic<T>, id: string, from: string, to: string): Promise<ObjectDiff<T>> {
    const source = sourceOf<T>(this, id);
    const ws = workspaceOf(this);
    return diffObject(source, id, await ws.resolve(from), await ws.resolve(to));
  }

  /** For each field, the commit that last changed its value (at the head, or at `at`). */
  static async blame(this: ModelStatic<unknown>, id: string, options: ReadOptions = {}): Promise<FieldBlame[]> {
    const source = sourceOf<unknown>(this, id);
    const start = await startOf(this, options.at);
    if (!start) throw new NotFoundError({ model: source.model, id, at: options.at });
    return blameObject(source, start, id);
  }

  /**
   * Stages the object as it was at `from` (its files exactly; a deletion if it did not exist then),
   * as a new change; with `{ commit: true }` also commits. History is never rewritten.
   */
  static async restore(this: ModelStatic<unknown>, id: string, options: RestoreOptions): Promise<string | null> {
    const schema = concreteSchema(this);
    assertSafeId(schema.name, id);
    const ws = workspaceOf(this);
    const message = options.message ?? defaultMessage('Restore', schema, id);
    if (options.commit ?? ws.autoCommit) return commitAlone(ws, () => ws.restore({ from: options.from, model: this, id }), message, options);
    await ws.restore({ from: options.from, model: this, id });
    return null;
  }

  /**
   * Validates the object and stages it in the workspace index (moving it if its id changed);
   * with `{ commit: true }` also commits, returning the commit oid (null if nothing changed).
   * A rejected save throws and leaves the index as it was.
   */
  async save(options: WriteOptions = {}): Promise<string | null> {
    const cls = this.constructor;
    const schema = concreteSchema(cls);
    const layout = layoutOf(schema);
    const ws = workspaceOf(cls);
    const state = stateOf(this);
    const self = this as unknown as Values;
    const failures = await validateObject(schema, this);
    if (!failures.length) failures.push(...(await missingOids(ws, schema, self)));
    const id = self[schema.id.name];
    if (failures.length) throw new ValidationError({ model: schema.name, id: typeof id === 'string' ? id : undefined, failures });
    assertSafeId(schema.name, id);
    const message = options.message ?? defaultMessage('Save', schema, id);
    if (options.commit ?? ws.autoCommit) {
      const { storedId, oid } = state;
      try {
        return await commitAlone(ws, () => this.save({ ...options, commit: false }), message, options);
      } catch (error) {
        // the save was undone with the failed commit
        state.storedId = storedId;
        state.oid = oid;
        throw error;
      }
    }

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
        const oid = blobOid(bytes);
        ops.push({ path, data: bytes, oid });
        blobs.set(field.name, { file: field.name, size: bytes.length, oid });
      } else {
        ops.push({ path, remove: true });
        if (value === null) blobs.set(field.name, null);
      }
    }
    const data = encodeObject(schema, self, blobs, state.extra);
    const oid = blobOid(data);
    ops.push({ path: layout.dataPath(id), data, oid });
    if (!blobs.size) {
      // what a get of this object will decode: kept now, so reading back what was saved costs no parse
      const values: Values = Object.create(null);
      for (const field of schema.fields) if (self[field.name] !== undefined) values[field.name] = copyValue(field.type, self[field.name], true);
      decodedCache(cls).set(oid, { values, blobs, extra: state.extra && structuredClone(state.extra) });
    }

    await ws.exclusive(async (stage) => {
      const reader = await ws.reader();
      const taken = await reader.stat(layout.dataPath(id));
      if (taken === 'dir') throw new CorruptObjectError({ path: layout.dataPath(id), reason: 'expected a file, found a directory' });
      if (taken && (state.storedId === undefined || state.storedId !== id)) {
        throw new DuplicateIdError({ model: schema.name, id });
      }
      if (!taken) await assertNoCaseTwin(ws, schema.name, layout, id, state.storedId);
      // a changed id moves the object: the old folder goes in the same step as the new one appears
      if (state.storedId !== undefined && state.storedId !== id) ops.unshift({ path: layout.root(state.storedId), remove: true });
      await stage(ops);
      state.storedId = id;
      state.oid = oid;
    });
    return null;
  }

  /** Deletes this object from the store (by the id it was loaded or saved with). */
  async delete(options: WriteOptions = {}): Promise<string | null> {
    const state = stateOf(this);
    const schema = schemaOf(this.constructor);
    if (state.storedId === undefined) throw new NotFoundError({ model: schema.name, id: String(this.id) });
    const result = await (this.constructor as unknown as typeof ModelBase).delete(state.storedId, options);
    state.storedId = undefined;
    state.oid = undefined;
    return result;
  }
}

// `obj.id` is the id whichever field holds it: one accessor on the prototype (an own `id` field,
// the automatic one or a declared one, shadows it).
Object.defineProperty(ModelBase.prototype, 'id', {
  get(this: Values) {
    const name = schemaOf(this.constructor).id.name;
    return name === 'id' ? undefined : this[name];
  },
  set(this: Values, value: unknown) {
    const name = schemaOf(this.constructor).id.name;
    if (name === 'id') Object.defineProperty(this, 'id', { value, writable: true, enumerable: true, configurable: true });
    else this[name] = value;
  },
  enumerable: false,
  configurable: true,
});

/**
 * The base class of models (`class Page extends Model`), and the class decorator for model
 * options (`@Model({ name, path, abstract })`): calling it returns the decorator.
 */
export const Model = new Proxy(ModelBase, {
  apply: (_target, _this, args: unknown[]) => modelDecorator(...args),
}) as typeof ModelBase & ((options?: ModelOptions) => ClassDecorator);
export type Model<Self extends object = any> = ModelBase<Self>;
