// What every write shares (its options, its default message, committing it alone), and the two
// writes that are not a save: delete and restore.
import { NotFoundError } from '../errors.js';
import { schemaOf } from '../metadata/schema.js';
import type { ModelHost } from '../workspace/model-host.js';
import type { Transaction } from '../workspace/mutex.js';
import type { Signature } from '../workspace/signature.js';
import { hostOf, objectOf } from './binding.js';
import { stateOf } from './state.js';

export interface WriteOptions {
  /** commit right away (default: only stage in the workspace index, unless the workspace was opened with `autoCommit`) */
  commit?: boolean;
  message?: string;
  author?: Signature;
  /** the transaction this write is made in: the handle ws.transaction(fn) gives fn (needed where
   *  the host has no async context: browsers) */
  tx?: Transaction;
}

export interface RestoreOptions extends WriteOptions {
  /** the commit, branch, tag or checkpoint to take the object from */
  from: string;
}

/** The static side of a model class, as far as delete needs it (a subclass may override it). */
type Deletes = { delete(id: string, options?: WriteOptions): Promise<string | null> };

/**
 * Stages and commits as one step (`{ commit: true }`): if the commit fails (a conflict, a checked
 * out branch, a lock), the staged change is undone too, so a rejected write leaves the index as
 * it was. Inside ws.transaction() it only stages; the transaction commits.
 */
export function commitAlone(host: ModelHost, stage: (tx: Transaction) => Promise<unknown>, message: string, options: WriteOptions): Promise<string | null> {
  return host.transaction(stage, { message, author: options.author, tx: options.tx });
}

/** Whether a write commits: when asked, else as the workspace was opened. */
export function commits(host: ModelHost, options: WriteOptions): boolean {
  return options.commit ?? host.autoCommit;
}

export function defaultMessage(verb: string, model: string, id: string): string {
  return `${verb} ${model} ${id}`;
}

/** Deletes the object with this id (its whole folder); NotFoundError when there is none. */
export async function deleteObject(cls: Function, id: string, options: WriteOptions): Promise<string | null> {
  const { schema, layout } = objectOf(cls, id);
  const host = hostOf(cls);
  const message = options.message ?? defaultMessage('Delete', schema.name, id);
  if (commits(host, options)) return commitAlone(host, (tx) => (cls as unknown as Deletes).delete(id, { ...options, commit: false, tx }), message, options);
  await host.exclusive(async (stage) => {
    const stat = await (await host.reader()).stat(layout.dataPath(id));
    if (!stat || stat === 'dir') throw new NotFoundError({ model: schema.name, id });
    await stage([{ path: layout.root(id), remove: true }]);
  }, options.tx);
  return null;
}

/** Deletes an object by the id it was loaded or saved with. */
export async function deleteInstance(instance: object, options: WriteOptions): Promise<string | null> {
  const state = stateOf(instance);
  const cls = instance.constructor;
  if (state.storedId === undefined) throw new NotFoundError({ model: schemaOf(cls).name, id: String((instance as { id?: unknown }).id) });
  const result = await (cls as unknown as Deletes).delete(state.storedId, options);
  state.storedId = undefined;
  state.oid = undefined;
  return result;
}

/** Stages the object as it was at `from`; with `{ commit: true }` also commits. */
export async function restoreObject(cls: Function, id: string, options: RestoreOptions): Promise<string | null> {
  const { schema } = objectOf(cls, id);
  const host = hostOf(cls);
  const message = options.message ?? defaultMessage('Restore', schema.name, id);
  if (commits(host, options)) return commitAlone(host, (tx) => host.restore({ from: options.from, model: cls, id, tx }), message, options);
  await host.restore({ from: options.from, model: cls, id, tx: options.tx });
  return null;
}
