// What lib/model may use of a workspace, and what it gives back: the inverse of history's
// ObjectSource. Model classes see their workspace only through ModelHost, so the workspace's own
// machinery (index, committer, refs) can change without touching lib/model.
import type { Repository } from '../git/repository.js';
import type { Lru } from '../util/lru.js';
import type { ModelMergeHooks } from './merge-hooks.js';
import type { Signature } from './signature.js';
import type { TreeReader } from './snapshot.js';
import type { StageOp } from './staged-tree.js';

/** What a registered model class tells the workspace about its files. */
export interface ModelBinding {
  readonly name: string;
  /** The folder all of the model's objects live in ('' when their ids are top-level names). */
  readonly folder: string;
  /** What belongs to one object: its folder, or its data file when it has no folder. */
  root(id: string): string;
  /** The object a path belongs to under this model's layout, and whether it is the data file. */
  locate(path: string): { id: string; data: boolean } | undefined;
  /** Binds the class to the workspace; called only once every class given to register() checked out. */
  attach(): void;
  /** How ws.merge() merges the model's objects (field rules, validation, canonical encoding). */
  readonly merge?: ModelMergeHooks;
}

/** Model classes implement this static hook; `ws.register()` calls it. */
export const BIND = Symbol.for('gitmodel.bind');
export interface Bindable {
  [BIND](host: ModelHost): ModelBinding;
}

export interface ModelHost {
  /** the commit the workspace's branch head is at (null: unborn) */
  readonly head: string | null;
  /** every save, delete and restore commits at once */
  readonly autoCommit: boolean;
  /** the repository, for history's reads of stored trees */
  readonly repo: Repository;
  /** files as staged (what reads without `at` see) */
  readonly staged: TreeReader;
  /** files as staged (no `at`) or as of a revision */
  reader(at?: string): Promise<TreeReader>;
  /** files of one stored tree */
  snapshot(tree: string): TreeReader;
  /** a read-check-stage step with no other save, delete or commit in between */
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>): Promise<T>;
  /** runs fn and commits what it staged as one commit (a save's `{ commit: true }` goes through here) */
  transaction(fn: () => unknown, options?: { message?: string; author?: Signature }): Promise<string | null>;
  /** a revision to a commit oid; `HEAD` is the workspace's branch */
  resolve(rev: string): Promise<string>;
  /** a name beside the path a case- or normalization-insensitive disk would confuse with it */
  caseTwin(path: string): Promise<string | undefined>;
  /** the class registered under a model name (UnknownModelError when none) */
  model(name: string): Function;
  /** stages objects as they were at `from` */
  restore(options: { from: string; model?: Function | string; id?: string }): Promise<unknown>;
  /** whether an object with this oid exists: stored, or staged and not yet written */
  hasObject(oid: string): Promise<boolean>;
  /** decoded data files of every registered model, bounded by bytes (OpenOptions.cacheSize) */
  readonly decodedCache: Lru<string, unknown>;
}
