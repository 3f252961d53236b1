// For each field of an object, the commit that last changed it: walking its history newest first,
// a field belongs to the newer of the first two consecutive versions whose values of it differ.
import { NotFoundError } from '../errors.js';
import type { CommitInfo } from './commit-info.js';
import { objectHistory, type Version } from './object-history.js';
import type { ObjectSource } from './object-source.js';
import { changedFields } from './values.js';

export interface FieldBlame {
  field: string;
  /** the value the field has now (at the revision blamed) */
  value: unknown;
  commit: CommitInfo;
}

export async function blameObject<T>(source: ObjectSource<T>, start: string, id: string): Promise<FieldBlame[]> {
  const found = new Map<string, CommitInfo>();
  let latest: Version<T> | undefined;
  let newer: Version<T> | undefined;
  for await (const version of objectHistory(source, start, id)) {
    if (newer) {
      const open = source.fields.filter((f) => !found.has(f));
      for (const { field } of changedFields(source, open, version.object, newer.object)) found.set(field, newer.commit);
    }
    // before a deletion the object did not exist: what is still open was set by its re-creation
    if (!version.object || found.size === source.fields.length) break;
    latest ??= version;
    newer = version;
  }
  const current = latest?.object as Record<string, unknown> | undefined;
  if (!current) throw new NotFoundError({ model: source.model, id, at: start });
  return source.fields.map((field) => ({ field, value: current[field], commit: found.get(field) ?? newer!.commit }));
}
