// References a merge leaves pointing at nothing (design 4.4, `danglingRefs`). Two kinds, each
// found at a cost that follows the merge, not the repository:
//  - an object the merge added or changed refers to an id the merged tree lacks: its references
//    are read (only those objects);
//  - the merge deleted an object that others refer to: the objects of the models whose reference
//    fields point at that model are read, and only when the merge deleted something of it.
import type { ObjectChange } from '../history/object-changes.js';
import type { DanglingRef, ModelMergeHooks } from './merge-hooks.js';
import type { ObjectScope } from './model-catalog.js';
import type { TreeReader } from './snapshot.js';

export interface DanglingHost {
  models(): string[];
  mergeHooks(model: string): ModelMergeHooks | undefined;
  scope(scope: ObjectScope): { path: string };
}

export async function danglingRefs(host: DanglingHost, merged: TreeReader, changes: readonly ObjectChange[]): Promise<DanglingRef[]> {
  const touched = new Map<string, Set<string>>();
  const deleted = new Set<string>();
  for (const change of changes) {
    if (change.model === null || change.id === null) continue;
    if (change.status === 'deleted') deleted.add(change.model);
    else {
      const ids = touched.get(change.model) ?? new Set<string>();
      ids.add(change.id);
      touched.set(change.model, ids);
    }
  }
  if (!touched.size && !deleted.size) return [];
  const known = new Set(host.models());
  const present = new Map<string, boolean>();
  const exists = async (model: string, id: string): Promise<boolean> => {
    const key = `${model}\0${id}`;
    let found = present.get(key);
    if (found === undefined) {
      let root: string;
      try {
        root = host.scope({ model, id }).path;
      } catch {
        found = true; // an id its layout refuses is a validation matter, not a dangling reference
        present.set(key, found);
        return found;
      }
      found = (await merged.stat(root)) !== undefined;
      present.set(key, found);
    }
    return found;
  };
  const out: DanglingRef[] = [];
  for (const model of known) {
    const hooks = host.mergeHooks(model);
    if (!hooks) continue;
    // targets whose model is not registered cannot be located: not judged
    const targets = hooks.referenceTargets().filter((t) => known.has(t));
    if (!targets.length) continue;
    const whole = targets.some((t) => deleted.has(t));
    const ids = touched.get(model);
    if (!whole && !ids) continue;
    for await (const ref of hooks.references(merged, whole ? undefined : ids)) {
      if (!known.has(ref.model)) continue;
      if (!(await exists(ref.model, ref.target))) {
        out.push({ model, id: ref.id, field: ref.field, target: { model: ref.model, id: ref.target }, ...(ref.conflict ? { conflict: ref.conflict } : {}) });
      }
    }
  }
  return out;
}
