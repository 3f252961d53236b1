// A value kept on a class itself under a symbol, as its own property only: a subclass never sees
// its parent's (each class gets its own schema, layout, caches). Non-enumerable, set once.

type Slots = Record<symbol, unknown>;

/** The value `cls` holds itself under `key`, or undefined (what a parent holds does not count). */
export function ownSlotValue<T>(cls: Function, key: symbol): T | undefined {
  return Object.prototype.hasOwnProperty.call(cls, key) ? ((cls as unknown as Slots)[key] as T) : undefined;
}

/** Defines `cls`'s own `key` once; defining it again throws a TypeError (the property is fixed). */
export function setOwnSlot<T>(cls: Function, key: symbol, value: T): void {
  Object.defineProperty(cls, key, { value, enumerable: false });
}

/** The value `cls` holds itself under `key`, made by `init` the first time it is asked for. */
export function ownSlot<T>(cls: Function, key: symbol, init: () => T): T {
  if (Object.prototype.hasOwnProperty.call(cls, key)) return (cls as unknown as Slots)[key] as T;
  const value = init();
  setOwnSlot(cls, key, value);
  return value;
}
