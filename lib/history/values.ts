// Field values compared as a model means them: Dates by instant, bytes by content, arrays and
// JSON deeply (key order aside), references by the id they store.
export interface FieldChange {
  field: string;
  /** the value before (undefined: the field was unset, or the object did not exist) */
  from: unknown;
  to: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function hasToJSON(value: unknown): value is { toJSON(): unknown } {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  // a reference holds another object's id, and says so in toJSON()
  if (hasToJSON(a) && hasToJSON(b)) return sameValue(a.toJSON(), b.toJSON());
  return false;
}

/** The fields whose values differ between two versions of an object (null: it does not exist). */
export function changedFields(fields: readonly string[], a: unknown, b: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const from = (a as Record<string, unknown> | null)?.[field];
    const to = (b as Record<string, unknown> | null)?.[field];
    if (!sameValue(from, to)) changes.push({ field, from, to });
  }
  return changes;
}
