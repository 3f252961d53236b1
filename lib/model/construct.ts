// `new Page({ content: 'x' })` must keep 'x' even when the class says `content = ''`: field
// initializers run after the base constructor has applied `init`, and would overwrite it. Once per
// class, a probe construction counts the writes each property gets from initializers; a real
// construction then ignores exactly those writes to the properties `init` gave (and keeps
// defaults from being wiped by bare declarations).
// This works with both define semantics (useDefineForClassFields) and assignment semantics.
import { ownSlot } from '../util/class-slot.js';
import { type InstanceState, stateOf } from './state.js';

export const PROBE = Symbol('gitmodel.probe');
const WRITES = Symbol('gitmodel.initializerWrites');

/** How a property was written during construction: a class field under define semantics is a
 *  defineProperty, under assignment semantics (and in a constructor body) a set. */
type WriteKind = 'define' | 'set';
type Writes = Map<PropertyKey, Record<WriteKind, number>>;

let counting: Writes | undefined;
/** The class being probed, until its base constructor is reached. */
let probed: Function | undefined;

/**
 * Whether the base constructor of `cls` is reached by the probe, though not given PROBE: a
 * subclass constructor that passes an init of its own to super() ignores the probe's argument.
 */
export function probing(cls: Function): boolean {
  return probed === cls;
}

/** Called by the base constructor when it was given PROBE: count what the subclasses write. */
export function countingProxy(target: object): object {
  const writes = counting!;
  probed = undefined;
  const bump = (key: PropertyKey, kind: WriteKind) => {
    const seen = writes.get(key) ?? { define: 0, set: 0 };
    seen[kind]++;
    writes.set(key, seen);
  };
  return new Proxy(target, {
    set: (t, key, value) => (bump(key, 'set'), Reflect.set(t, key, value)),
    defineProperty: (t, key, descriptor) => (bump(key, 'define'), Reflect.defineProperty(t, key, descriptor)),
  });
}

function initializerWrites(cls: Function): Writes {
  return ownSlot(cls, WRITES, () => {
    const writes: Writes = new Map();
    counting = writes;
    probed = cls;
    try {
      Reflect.construct(cls, [PROBE]);
    } catch {
      // a constructor of the user's that cannot run without arguments: nothing is known, nothing skipped
      writes.clear();
    } finally {
      counting = probed = undefined;
    }
    return writes;
  });
}

/**
 * The instance to return from the base constructor: itself, or a proxy that ignores the probed
 * initializer writes to the properties `init` gave, and the `undefined` a bare declaration
 * (`status!: string` under define semantics) writes over a default. Only writes of the kind the
 * probe saw are skipped, so under define semantics a plain assignment is never swallowed; and
 * whatever was not used up during construction is dropped right after it (a constructor that
 * writes a field only sometimes must not make a later assignment vanish).
 */
export function protectInit(cls: Function, instance: object, given: string[], defaulted: string[]): object {
  if (!given.length && !defaulted.length) return instance;
  const writes = initializerWrites(cls);
  const skip = new Map<PropertyKey, { left: number; kind: WriteKind; onlyUndefined: boolean }>();
  const plan = (key: string, onlyUndefined: boolean) => {
    const seen = writes.get(key);
    // a field that is defined is a class field under define semantics: only those writes are its
    // initializers, and any assignment (a constructor body's, the user's) is kept
    if (seen?.define) skip.set(key, { left: seen.define, kind: 'define', onlyUndefined });
    else if (seen?.set) skip.set(key, { left: seen.set, kind: 'set', onlyUndefined });
  };
  for (const key of defaulted) plan(key, true);
  for (const key of given) plan(key, false);
  if (!skip.size) return instance;
  queueMicrotask(() => skip.clear());
  const skipped = (key: PropertyKey, kind: WriteKind, value: unknown): boolean => {
    const entry = skip.get(key);
    if (!entry || entry.kind !== kind) return false;
    if (--entry.left === 0) skip.delete(key);
    return !entry.onlyUndefined || value === undefined;
  };
  const proxy = new Proxy(instance, {
    set: (t, key, value) => skipped(key, 'set', value) || Reflect.set(t, key, value),
    defineProperty: (t, key, descriptor) =>
      skipped(key, 'define', 'value' in descriptor ? descriptor.value : null) || Reflect.defineProperty(t, key, descriptor),
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

/** The class a read is constructing now, and the bookkeeping its instance takes (constructForRead). */
let readingClass: Function | undefined;
let readingState: InstanceState | undefined;

/**
 * An instance for a read to fill in: the class's constructors run (a subclass's field
 * initializers and body may rely on that), but the base constructor, given nothing to apply,
 * only takes `state`. Only for a class none of whose fields has a default: with one, the base
 * constructor's work (the default, kept from bare declarations) is what a read must see.
 */
export function constructForRead(cls: Function, state: InstanceState): object {
  readingClass = cls;
  readingState = state;
  try {
    const instance = Reflect.construct(cls, []) as object;
    // a subclass that gives its base constructor an argument took the ordinary way
    if (readingClass === cls) Object.assign(stateOf(instance), state);
    return instance;
  } finally {
    readingClass = readingState = undefined;
  }
}

/** Called by the base constructor: the state constructForRead() gives this instance, once. */
export function takeReadState(target: Function): InstanceState | undefined {
  if (readingClass !== target) return undefined;
  readingClass = undefined;
  return readingState;
}
