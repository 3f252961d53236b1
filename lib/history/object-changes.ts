// File changes grouped into object changes: which objects of which models were added, modified or
// deleted. An object's status is its data file's when that changed, else `modified` (a blob file
// beside it changed).
import type { FileChange } from '../git/tree-diff.js';

export interface ObjectChange {
  /** the model the changed file belongs to, or null for a file outside every registered layout */
  model: string | null;
  id: string | null;
  status: 'added' | 'modified' | 'deleted';
  paths: string[];
}

/** The model object a path belongs to, and whether it is that object's data file. */
export type Owner = (path: string) => { model: string; id: string; data: boolean } | undefined;

export async function groupChanges(changes: AsyncIterable<FileChange> | Iterable<FileChange>, owner: Owner): Promise<ObjectChange[]> {
  const groups = new Map<string, ObjectChange & { dataStatus?: ObjectChange['status'] }>();
  for await (const change of changes) {
    const hit = owner(change.path);
    const key = hit ? `${hit.model}\0${hit.id}` : `\0${change.path}`;
    const group = groups.get(key) ?? { model: hit?.model ?? null, id: hit?.id ?? null, status: change.status, paths: [] };
    group.paths.push(change.path);
    if (hit?.data) group.dataStatus = change.status;
    group.status = group.dataStatus ?? (group.paths.length > 1 ? 'modified' : change.status);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ dataStatus: _, ...change }) => change);
}
