// Field-level diffs without the model classes: which objects changed between two revisions, and
// for each, which fields (values compared as JSON). Loaded only by `diff` and the web view: the
// unified text diff behind diffObject brings jsdiff, which `show` and `blame` do not need.
import { NotFoundError } from '../errors.js';
import { diffTrees } from '../git/tree-diff.js';
import { diffObject } from '../history/object-diff.js';
import { groupChanges } from '../history/object-changes.js';
import { changedFields, type FieldChange } from '../history/values.js';
import type { Context } from './context.js';
import { type RawModel, rawSource } from './raw-models.js';

/** A field change as JSON shows it: `undefined` would vanish, so an unset side is null and flagged. */
export interface FieldChangeJson {
  field: string;
  from: unknown;
  to: unknown;
  /** the field did not exist before (or the object did not) */
  fromUnset?: true;
  /** the field does not exist after (or the object does not) */
  unset?: true;
}

export function changeJson({ field, from, to }: FieldChange): FieldChangeJson {
  return { field, from: from ?? null, to: to ?? null, ...(from === undefined && { fromUnset: true as const }), ...(to === undefined && { unset: true as const }) };
}

export interface ObjectDiffRow {
  model: string | null;
  id: string | null;
  status: 'created' | 'modified' | 'deleted' | 'unchanged';
  /** files changed (for a file outside every model: that file) */
  paths: string[];
  changes: FieldChangeJson[];
}

export interface RepoDiff {
  from: string;
  to: string;
  objects: ObjectDiffRow[];
}

const STATUS = { added: 'created', modified: 'modified', deleted: 'deleted' } as const;

/** Objects changed between two revisions (in one model, or one object, when asked), with their field changes. */
export async function diffRevisions(ctx: Context, fromRev: string, toRev: string, scope: { model?: string; id?: string } = {}): Promise<RepoDiff> {
  const [a, b] = [await ctx.treeAt(fromRev), await ctx.treeAt(toRev)];
  const models = new Map<string, RawModel>();
  for (const tree of [a.tree, b.tree]) for (const m of await ctx.models.list(tree)) if (!models.has(m.name)) models.set(m.name, m);
  const owner = (path: string) => {
    for (const m of models.values()) {
      const hit = m.layout.locate(path);
      if (hit) return { model: m.name, ...hit };
    }
    return undefined;
  };
  const objects: ObjectDiffRow[] = [];
  for (const change of await groupChanges(diffTrees((oid) => ctx.repo.readTree(oid), a.tree, b.tree), owner)) {
    if (scope.model !== undefined && (change.model !== scope.model || (scope.id !== undefined && change.id !== scope.id))) continue;
    if (change.model === null || change.id === null) {
      objects.push({ model: null, id: null, status: STATUS[change.status], paths: change.paths, changes: [] });
      continue;
    }
    const source = rawSource(ctx.repo, models.get(change.model)!);
    const d = await diffObject(source, change.id, a.commit, b.commit).catch((e: unknown) => (e instanceof NotFoundError ? undefined : Promise.reject(e)));
    // a folder without its data file (only blob files changed) diffs as files
    objects.push({
      model: change.model,
      id: change.id,
      status: d && d.status !== 'unchanged' ? d.status : STATUS[change.status],
      paths: change.paths,
      changes: (d?.changes ?? []).map(changeJson),
    });
  }
  return { from: a.commit, to: b.commit, objects };
}

/**
 * One object's field changes from `from` to `to`; `from` defaults to `to`'s first parent (a
 * root commit: every field is new).
 */
export async function diffVersion(ctx: Context, model: string, id: string, to: string, from?: string): Promise<{ from: string | null; to: string; status: string; changes: FieldChangeJson[]; text: string }> {
  const m = await ctx.model(to, model, id);
  const source = rawSource(ctx.repo, m);
  const before = from !== undefined ? await ctx.resolve(from) : (await ctx.repo.readCommit(m.commit)).parents[0];
  if (before === undefined) {
    const object = await source.read(m.tree, id, m.commit);
    return { from: null, to: m.commit, status: 'created', changes: changedFields(source, source.fields, null, object).map(changeJson), text: '' };
  }
  const d = await diffObject(source, id, before, m.commit);
  return { from: before, to: m.commit, status: d.status, changes: d.changes.map(changeJson), text: d.text };
}
