// An instance's bookkeeping (the id and oid it has in the store, undeclared keys), kept off its
// enumerable fields: a private field of the base class, reached by the other files through here.

export interface InstanceState {
  /** the id it has in the store (loaded or saved); undefined for a new object */
  storedId?: string;
  /** the blob oid of its data file as last saved or read; undefined for a new or deleted object */
  oid?: string;
  /** keys of the stored file that the model does not declare, written back untouched */
  extra?: Record<string, unknown>;
}

let access: (instance: object) => InstanceState;

/**
 * Called once by the base class (model.ts). The state is its private field: invisible to users,
 * and, unlike a property defined with non-default attributes, it keeps V8's fast object layout
 * (and, unlike a WeakMap entry, costs the garbage collector nothing).
 */
export function provideStateAccess(get: (instance: object) => InstanceState): void {
  access = get;
}

/** A model object's bookkeeping. */
export function stateOf(instance: object): InstanceState {
  return access(instance);
}
