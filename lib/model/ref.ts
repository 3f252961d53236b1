// A reference to another model's object: its id now, the object when you ask for it.
//
// `Ref<T>` is an interface, so that it is structural: a model object has an `id` and a
// `load(): Promise<this>` that resolves to itself, which makes the author object assignable where
// a `Ref<Author>` is declared (`page.author = ada`). What reads give back, and what `Ref.to` makes,
// is a StoredRef: it keeps the id and loads the object once, when asked.

/** Another model's object, by id: `ref.id` at once, `await ref.load()` for the object. */
export interface Ref<T extends object = object> {
  readonly id: string;
  /** The referenced object (loaded once; later calls give the same object). */
  load(): Promise<T>;
}

/** The id and a loader, called once. */
export class StoredRef<T extends object = object> implements Ref<T> {
  #loaded?: Promise<T>;
  readonly #loader: () => Promise<T>;

  constructor(
    readonly id: string,
    loader: () => Promise<T>,
  ) {
    this.#loader = loader;
  }

  load(): Promise<T> {
    this.#loaded ??= this.#loader();
    return this.#loaded;
  }

  /** A reference is stored as the id it holds (and compared by it). */
  toJSON(): string {
    return this.id;
  }
}

/** The static side of a model class, as far as Ref.to needs it. */
type ModelClass<T> = abstract new (...args: never[]) => T;

/** The static `Ref.to`, as one function with two forms. */
interface RefTo {
  /** A reference to an object you hold. */
  <T extends object>(object: T & { readonly id: string }): Ref<T>;
  /** A reference by id: `Ref.to(Author, 'ada')`, loaded (from Author's workspace) when asked. */
  <T extends object>(model: ModelClass<T>, id: string): Ref<T>;
}

function to<T extends object>(object: T & { readonly id: string }): Ref<T>;
function to<T extends object>(model: ModelClass<T>, id: string): Ref<T>;
function to<T extends object>(target: (T & { readonly id: string }) | ModelClass<T>, id?: string): Ref<T> {
  if (typeof target === 'function') {
    if (typeof id !== 'string') throw new TypeError('Ref.to(Model, id): the id is a string');
    const cls = target as unknown as { get(id: string): Promise<T> };
    // the class's workspace is found when the reference is loaded, not now
    return new StoredRef(id, () => cls.get(id));
  }
  const object = target;
  return new StoredRef(object.id, () => Promise.resolve(object));
}

/**
 * Making references: `Ref.to(author)` for an object you hold, `Ref.to(Author, 'ada')` for an id
 * (loaded from the workspace Author is registered with, when `load()` is called). As a value,
 * `Ref` is the class of the references gitmodel makes: what reads give back is `instanceof Ref`
 * (a model object assigned as a reference is a Ref by type, not by class).
 */
export const Ref: typeof StoredRef & { to: RefTo } = Object.assign(StoredRef, { to: to as RefTo });
