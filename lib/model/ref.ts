// A reference to another model's object: its id now, the object when you ask for it.
export class Ref<T extends object = object> {
  private loaded?: Promise<T>;

  constructor(
    readonly id: string,
    private readonly loader: () => Promise<T>,
  ) {}

  /** Loads the referenced object (once; later calls return the same object). */
  load(): Promise<T> {
    this.loaded ??= this.loader();
    return this.loaded;
  }

  /** A reference to an object you hold. */
  static to<T extends object>(object: T & { readonly id: string }): Ref<T> {
    return new Ref(object.id, () => Promise.resolve(object));
  }

  toJSON(): string {
    return this.id;
  }
}
