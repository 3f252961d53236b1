// @Model: the model-level options of a class, recorded on the class that carries the decorator.
export interface ModelOptions {
  /** the model's folder name (default: the class name in kebab-case, `BlogPost` → `blog-post`) */
  name?: string;
  /** where an object's data file lives: placeholders {model} and {id} (default `{model}/{id}/data.json`) */
  path?: string;
  /** a base class of other models, never saved itself */
  abstract?: boolean;
}

export const MODEL_OPTIONS = Symbol('gitmodel.model');

export function modelDecorator(options: ModelOptions = {}): ClassDecorator {
  return (target) => {
    Object.defineProperty(target, MODEL_OPTIONS, { value: { ...options }, enumerable: false });
  };
}

/** Options given on this very class (not inherited: a subclass of an abstract base is concrete). */
export function ownModelOptions(cls: Function): ModelOptions {
  return Object.prototype.hasOwnProperty.call(cls, MODEL_OPTIONS)
    ? (cls as unknown as Record<symbol, ModelOptions>)[MODEL_OPTIONS]
    : {};
}

/** The nearest `path` layout given on this class or an ancestor. */
export function inheritedPath(cls: Function): string | undefined {
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const own = ownModelOptions(c);
    if (own.path !== undefined) return own.path;
  }
  return undefined;
}
