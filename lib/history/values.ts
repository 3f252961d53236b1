// Which fields differ between two versions of an object. Values are compared as the model means
// them (Dates by instant, bytes by content, references by id…): the ObjectSource says how.
import type { ObjectSource } from './object-source.js';

export interface FieldChange {
  field: string;
  /** the value before (undefined: the field was unset, or the object did not exist) */
  from: unknown;
  to: unknown;
}

/** The fields whose values differ between two versions of an object (null: it does not exist). */
export function changedFields(source: ObjectSource<unknown>, fields: readonly string[], a: unknown, b: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const from = (a as Record<string, unknown> | null)?.[field];
    const to = (b as Record<string, unknown> | null)?.[field];
    if (!source.same(field, from, to)) changes.push({ field, from, to });
  }
  return changes;
}
