// History's view of a model class (an ObjectSource: lib/history/ reads objects through it, never
// importing lib/model/), and the history reads over it: history, diff and blame.
import { NotFoundError } from '../errors.js';
import { blameObject, type FieldBlame } from '../history/blame.js';
import { diffObject, type ObjectDiff } from '../history/object-diff.js';
import { type HistoryOptions, objectHistory, type Version } from '../history/object-history.js';
import type { ObjectSource } from '../history/object-source.js';
import type { FieldKind } from '../metadata/schema.js';
import { hostOf, objectOf } from './binding.js';
import { sameValue } from './kinds.js';
import { load, type ReadOptions } from './load.js';
import { ModelSet } from './results.js';

export interface HistoryReadOptions extends ReadOptions, HistoryOptions {}

function sourceOf<T>(cls: Function, id: string): ObjectSource<T> {
  const { schema, layout } = objectOf(cls, id);
  const host = hostOf(cls);
  const kinds = new Map<string, FieldKind>(schema.fields.map((f) => [f.name, f.type]));
  return {
    repo: host.repo,
    model: schema.name,
    fields: schema.fields.map((f) => f.name),
    idField: schema.id.name,
    dataPath: (id) => layout.dataPath(id),
    idOf: (path) => {
      const hit = layout.locate(path);
      return hit?.data ? hit.id : undefined;
    },
    same: (field, a, b) => sameValue(kinds.get(field)!, a, b),
    read: async (tree, id, commit) => (await load<object>(cls, host.snapshot(tree), id, commit)) as T,
  };
}

/** Where history starts: `at`, or the workspace head (null on an unborn branch). */
async function startOf(cls: Function, at?: string): Promise<string | null> {
  const host = hostOf(cls);
  return at !== undefined ? host.resolve(at) : host.head;
}

export function historyOf<T>(cls: Function, id: string, options: HistoryReadOptions): ModelSet<Version<T>> {
  return new ModelSet<Version<T>>(async function* () {
    const source = sourceOf<T>(cls, id);
    const start = await startOf(cls, options.at);
    if (start) yield* objectHistory(source, start, id, options);
  });
}

export async function diffOf<T>(cls: Function, id: string, from: string, to: string): Promise<ObjectDiff<T>> {
  const source = sourceOf<T>(cls, id);
  const host = hostOf(cls);
  return diffObject(source, id, await host.resolve(from), await host.resolve(to));
}

export async function blameOf(cls: Function, id: string, options: ReadOptions): Promise<FieldBlame[]> {
  const source = sourceOf<unknown>(cls, id);
  const start = await startOf(cls, options.at);
  if (!start) throw new NotFoundError({ model: source.model, id, at: options.at });
  return blameObject(source, start, id);
}
