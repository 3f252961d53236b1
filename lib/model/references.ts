// Reference fields made from ids: the target class of a reference is found when it is loaded (the
// object may not be registered yet when the reference is made).
import type { FieldDef } from '../metadata/schema.js';
import type { ModelHost } from '../workspace/model-host.js';
import { hostOf } from './binding.js';
import { type Ref, StoredRef } from './ref.js';

/** The class a reference field points to: a thunk's, or the one a host has under the model name. */
export function refTarget(field: FieldDef, host: () => ModelHost): Function {
  const spec = (field.type as { model: string | (() => Function) }).model;
  return typeof spec === 'string' ? host().model(spec) : spec();
}

/**
 * A reference from an id given to the constructor: the target class, and for a model named by a
 * string the workspace that knows the name, are looked up when it is loaded.
 */
export function refFromId(owner: Function, field: FieldDef, id: string): Ref<object> {
  return new StoredRef(id, () => {
    const target = refTarget(field, () => hostOf(owner)) as unknown as { get(id: string): Promise<object> };
    return target.get(id);
  });
}
