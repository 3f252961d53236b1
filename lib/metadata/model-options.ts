// @Model: the model-level options of a class, recorded on the class that carries the decorator.
import { ConfigurationError } from '../errors.js';
import { ownSlotValue, setOwnSlot } from '../util/class-slot.js';
import { assertFactoryCalled, assertLegacyDecorator } from './legacy-decorators.js';
import type { DeletePolicy, ObjectMergeFunction } from './merge-rules.js';

export interface ModelOptions {
  /** the model's folder name (default: the class name in kebab-case, `BlogPost` → `blog-post`) */
  name?: string;
  /** where an object's data file lives: placeholders {model}, {id} and {shard}
   *  (default `{model}/{id}/data.json`, or `{model}/{shard}/{id}/data.json` with `shard`) */
  path?: string;
  /** spread objects over 16^shard folders named by the first `shard` hex digits of sha1(id), so a
   *  commit to a model with many objects rewrites small trees (1 to 4; default none) */
  shard?: number;
  /** a base class of other models, never saved itself */
  abstract?: boolean;
  /** ws.merge(): a whole-object merge run before the field rules, (objects) => merged | Merge.conflict
   *  (Merge.conflict: merge field by field instead) */
  merge?: ObjectMergeFunction;
  /** ws.merge(): a delete met by a change on the other side (default 'conflict') */
  onDelete?: DeletePolicy;
  /** ws.merge(): the field (a Date, number or bigint) 'lww' compares, instead of commit times */
  clock?: string;
}

export const MODEL_OPTIONS = Symbol('gitmodel.model');

/** `@Model(options)`: `args` are what the call got, checked to be options and not a decorator's arguments. */
export function modelDecorator(...args: unknown[]): ClassDecorator {
  assertFactoryCalled('@Model()', args);
  if (typeof args[0] === 'function') {
    throw new ConfigurationError(`@Model on ${args[0].name} is a decorator factory: write @Model() or @Model({ ... }), with the parentheses`, {
      model: args[0].name,
    });
  }
  const options = (args[0] ?? {}) as ModelOptions;
  return (target: Function, ...rest: unknown[]) => {
    assertLegacyDecorator('@Model()', target, rest[0]);
    setOwnSlot(target, MODEL_OPTIONS, { ...options });
  };
}

/** Options given on this very class (not inherited: a subclass of an abstract base is concrete). */
export function ownModelOptions(cls: Function): ModelOptions {
  return ownSlotValue<ModelOptions>(cls, MODEL_OPTIONS) ?? {};
}

/** The nearest value of a layout option given on this class or an ancestor. */
export function inheritedOption<K extends 'path' | 'shard' | 'merge' | 'onDelete' | 'clock'>(cls: Function, key: K): ModelOptions[K] | undefined {
  for (let c: Function | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const own = ownModelOptions(c);
    if (own[key] !== undefined) return own[key];
  }
  return undefined;
}
