// One object between two commits: its field-level changes, typed, and a unified diff of its data
// file for display (jsdiff, with git's headers and three lines of context).
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { NotFoundError } from '../errors.js';
import { storedEntry } from '../git/tree-entry.js';
import { fromUtf8 } from '../util/bytes.js';
import type { ObjectSource } from './object-source.js';
import { entryAt } from './tree-path.js';
import { changedFields, type FieldChange } from './values.js';

export interface ObjectDiff<T> {
  id: string;
  status: 'created' | 'deleted' | 'modified' | 'unchanged';
  /** every field whose value differs (for a created or deleted object: every field it has) */
  changes: FieldChange[];
  /** `git diff`'s `---`/`+++`/`@@` lines for the data file; empty when its bytes are equal */
  text: string;
  before: T | null;
  after: T | null;
}

export async function diffObject<T>(
  source: ObjectSource<T>,
  id: string,
  from: string,
  to: string,
): Promise<ObjectDiff<T>> {
  const { repo } = source;
  const path = source.dataPath(id);
  const version = async (oid: string) => {
    const { tree } = await repo.readCommit(oid);
    const entry = await entryAt(storedEntry(repo), tree, path);
    if (!entry) return { oid: undefined, text: '', object: null };
    const text = fromUtf8(await repo.readBlob(entry.oid, path));
    return { oid: entry.oid, text, object: await source.read(tree, id, oid) };
  };
  const [a, b] = await Promise.all([version(from), version(to)]);
  if (!a.object && !b.object) throw new NotFoundError({ model: source.model, id, at: `${from} or ${to}` });
  const status = !a.object ? 'created' : !b.object ? 'deleted' : a.oid === b.oid ? 'unchanged' : 'modified';
  const text =
    a.oid === b.oid
      ? ''
      : createTwoFilesPatch(a.object ? `a/${path}` : '/dev/null', b.object ? `b/${path}` : '/dev/null', a.text, b.text, undefined, undefined, {
          context: 3,
          headerOptions: FILE_HEADERS_ONLY,
        });
  return { id, status, changes: changedFields(source, source.fields, a.object, b.object), text, before: a.object, after: b.object };
}
