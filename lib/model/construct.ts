// `new Page({ content: 'x' })` must keep 'x' even when the class says `content = ''`: field
// initializers run after the base constructor has applied `init`, and would overwrite it. Once per
// class, a probe construction counts the writes each property gets from initializers; a real
// construction then ignores exactly those writes to the properties `init` gave (and keeps
// defaults from being wiped by bare declarations).
// This works with both define semantics (useDefineForClassFields) and assignment semantics.

export const PROBE = Symbol('gitmodel.probe');
const WRITES = Symbol('gitmodel.initializerWrites');

let counting: Map<PropertyKey, number> | undefined;

/** Called by the base constructor when it was given PROBE: count what the subclasses write. */
export function countingProxy(target: object): object {
  const counts = counting!;
  const bump = (key: PropertyKey) => counts.set(key, (counts.get(key) ?? 0) + 1);
  return new Proxy(target, {
    set: (t, key, value) => (bump(key), Reflect.set(t, key, value)),
    defineProperty: (t, key, descriptor) => (bump(key), Reflect.defineProperty(t, key, descriptor)),
  });
}

function initializerWrites(cls: Function): Map<PropertyKey, number> {
  if (Object.prototype.hasOwnProperty.call(cls, WRITES)) return (cls as unknown as Record<symbol, Map<PropertyKey, number>>)[WRITES];
  const counts = new Map<PropertyKey, number>();
  counting = counts;
  try {
    Reflect.construct(cls, [PROBE]);
  } catch {
    // a constructor of the user's that cannot run without arguments: nothing is known, nothing skipped
    counts.clear();
  } finally {
    counting = undefined;
  }
  Object.defineProperty(cls, WRITES, { value: counts, enumerable: false });
  return counts;
}

/**
 * The instance to return from the base constructor: itself, or a proxy that ignores the probed
 * initializer writes to the properties `init` gave, and the `undefined` a bare declaration
 * (`status!: string` under define semantics) writes over a default.
 */
export function protectInit(cls: Function, instance: object, given: string[], defaulted: string[]): object {
  if (!given.length && !defaulted.length) return instance;
  const writes = initializerWrites(cls);
  const skip = new Map<PropertyKey, { left: number; onlyUndefined: boolean }>();
  for (const key of defaulted) if (writes.get(key)) skip.set(key, { left: writes.get(key)!, onlyUndefined: true });
  for (const key of given) if (writes.get(key)) skip.set(key, { left: writes.get(key)!, onlyUndefined: false });
  if (!skip.size) return instance;
  const skipped = (key: PropertyKey, value: unknown): boolean => {
    const entry = skip.get(key);
    if (!entry) return false;
    if (--entry.left === 0) skip.delete(key);
    return !entry.onlyUndefined || value === undefined;
  };
  const proxy = new Proxy(instance, {
    set: (t, key, value) => skipped(key, value) || Reflect.set(t, key, value),
    defineProperty: (t, key, descriptor) =>
      skipped(key, 'value' in descriptor ? descriptor.value : null) || Reflect.defineProperty(t, key, descriptor),
  });
  TARGETS.set(proxy, instance);
  return proxy;
}

/** The proxies protectInit made, to their instances (private fields do not pass through a proxy). */
const TARGETS = new WeakMap<object, object>();

/** The instance behind a proxy protectInit made, or the object itself. */
export function targetOf(object: object): object {
  return TARGETS.get(object) ?? object;
}
