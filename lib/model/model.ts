// The Model base class: construction from an init object, the BIND hook `ws.register()` calls,
// and the statics and methods users call, each handing over to the file that does the job.
import { ValidationError } from '../errors.js';
import type { FieldBlame } from '../history/blame.js';
import type { ObjectDiff } from '../history/object-diff.js';
import type { Version } from '../history/object-history.js';
import { modelDecorator, type ModelOptions } from '../metadata/model-options.js';
import { schemaOf } from '../metadata/schema.js';
import { BIND, type ModelBinding, type ModelHost } from '../workspace/model-host.js';
import { bindingOf } from './binding.js';
import { countingProxy, PROBE, probing, protectInit, takeReadState, targetOf } from './construct.js';
import { blameOf, diffOf, historyOf, type HistoryReadOptions } from './history-source.js';
import { count, find, findIds, findOne, findPage, indexHooks } from './find.js';
import { mergeHooks } from './object-merge.js';
import type { CountOptions, FindOneOptions, FindOptions, Page, PageOptions, QuerySet, Select, Selected, SelectOptions } from './query-types.js';
import { allObjects, getObject, objectExists, type ReadOptions } from './load.js';
import type { Ref } from './ref.js';
import { refFromId } from './references.js';
import type { ModelSet } from './results.js';
import { saveObject } from './save.js';
import { type InstanceState, provideStateAccess, stateOf } from './state.js';
import { deleteInstance, deleteObject, type RestoreOptions, restoreObject, type WriteOptions } from './write.js';

export { workspaceOf } from './binding.js';
export type { ReadOptions, WriteOptions, HistoryReadOptions, RestoreOptions };

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
 * `Self` is the model class itself, for a typed constructor: `class Page extends Model<Page>`.
 * Without it (`class Page extends Model`) the constructor takes any object, checked at run time only.
 */
class ModelBase<Self extends object = any> {
  /** The object's id: the id field's value (a uuid unless a field is marked `id`). */
  declare id: string;

  /** The instance's bookkeeping (state.ts). */
  #state: InstanceState = {};

  static {
    // a proxied instance (see construct.ts) keeps the private field on its target
    provideStateAccess((instance) => (targetOf(instance) as ModelBase).#state);
  }

  constructor(init?: InitOf<Self>) {
    if ((init as unknown) === PROBE || probing(new.target)) return countingProxy(this) as this;
    // a read's instance (load.ts): what follows would apply nothing, and the read sets every field
    const read = init === undefined ? takeReadState(new.target) : undefined;
    if (read) {
      this.#state = read;
      return;
    }
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
  static [BIND](this: Function, host: ModelHost): ModelBinding {
    return { ...bindingOf(this, host), merge: mergeHooks(this, host), indexes: indexHooks(this, host) };
  }

  /**
   * The objects matching `where`, ordered by `orderBy` (ties and the default: by id), sliced by
   * `offset` and `limit`, at the staged state or `at`: `await Page.find({ ... })`, `for await`, or
   * `.explain()`. Indexed fields (`@Field({ index: true })`) are answered from the index;
   * others are read from the objects (docs/QUERIES.md). With `select: { title: true }`: plain
   * `{ id, title }` objects, served from the index when it holds every selected field.
   */
  static find<T, const S extends Select<T>>(this: ModelStatic<T>, options: SelectOptions<T, S>): QuerySet<Selected<T, S>>;
  static find<T>(this: ModelStatic<T>, options?: FindOptions<T>): QuerySet<T>;
  static find<T>(this: ModelStatic<T>, options: FindOptions<T> = {}): QuerySet<T> {
    return find<T>(this, options);
  }

  /** The first object find() would give, or null. */
  static findOne<T>(this: ModelStatic<T>, options: FindOneOptions<T> = {}): Promise<T | null> {
    return findOne<T>(this, options);
  }

  /** How many objects match (no object is read when every field named is indexed). */
  static count<T>(this: ModelStatic<T>, options: CountOptions<T> = {}): Promise<number> {
    return count(this, options as CountOptions<unknown>);
  }

  /** The ids find() would give, without building the objects. */
  static findIds<T>(this: ModelStatic<T>, options: FindOptions<T> = {}): Promise<string[]> {
    return findIds(this, options as FindOptions<unknown>);
  }

  /** One page of results and the cursor of the next (`after: page.next`), stable under inserts before it. */
  static findPage<T>(this: ModelStatic<T>, options: PageOptions<T>): Promise<Page<T>> {
    return findPage<T>(this, options);
  }

  /** The object with this id; NotFoundError when there is none. Reads staged changes unless `at` is given. */
  static get<T>(this: ModelStatic<T>, id: string, options: ReadOptions = {}): Promise<T> {
    return getObject<T>(this, id, options);
  }

  static exists(this: ModelStatic<unknown>, id: string, options: ReadOptions = {}): Promise<boolean> {
    return objectExists(this, id, options);
  }

  /** Every object of the model, in id order: `await Page.all()` or `for await (const p of Page.all())`. */
  static all<T>(this: ModelStatic<T>, options: ReadOptions = {}): ModelSet<T> {
    return allObjects<T>(this, options);
  }

  /** Deletes the object with this id (its whole folder); NotFoundError when there is none. */
  static delete(this: ModelStatic<unknown>, id: string, options: WriteOptions = {}): Promise<string | null> {
    return deleteObject(this, id, options);
  }

  /**
   * The versions of one object along the workspace's branch (or from `at`), newest first: only
   * the commits that changed it, as `git log -- <its data file>` lists them, each with the object
   * as it was (null for a deletion). A move (id change) is followed back to the old id.
   * `for await (const v of Page.history(id))`, or `await Page.history(id)` for an array.
   */
  static history<T>(this: ModelStatic<T>, id: string, options: HistoryReadOptions = {}): ModelSet<Version<T>> {
    return historyOf<T>(this, id, options);
  }

  /** The object's field-level changes between two revisions, with a unified diff of its data file. */
  static diff<T>(this: ModelStatic<T>, id: string, from: string, to: string): Promise<ObjectDiff<T>> {
    return diffOf<T>(this, id, from, to);
  }

  /** For each field, the commit that last changed its value (at the head, or at `at`). */
  static blame(this: ModelStatic<unknown>, id: string, options: ReadOptions = {}): Promise<FieldBlame[]> {
    return blameOf(this, id, options);
  }

  /**
   * Stages the object as it was at `from` (its files exactly; a deletion if it did not exist then),
   * as a new change; with `{ commit: true }` also commits. History is never rewritten.
   */
  static restore(this: ModelStatic<unknown>, id: string, options: RestoreOptions): Promise<string | null> {
    return restoreObject(this, id, options);
  }

  /**
   * Validates the object and stages it in the workspace index (moving it if its id changed);
   * with `{ commit: true }` also commits, returning the commit oid (null if nothing changed).
   * A rejected save throws and leaves the index as it was.
   */
  save(options: WriteOptions = {}): Promise<string | null> {
    return saveObject(this, options);
  }

  /** Deletes this object from the store (by the id it was loaded or saved with). */
  delete(options: WriteOptions = {}): Promise<string | null> {
    return deleteInstance(this, options);
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
