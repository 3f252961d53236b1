// What lib/model may use of a workspace, and what it gives back: the inverse of history's
// ObjectSource. Model classes see their workspace only through ModelHost, so the workspace's own
// machinery (index, committer, refs) can change without touching lib/model.
import type { Repository } from '../git/repository.js';
import type { Transaction } from './mutex.js';
import type { EntryChange, ReadTree } from '../git/tree-diff.js';
import type { TreeOffsets } from '../git/tree-entry.js';
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
  /** The model's query indexes, when it has any beyond its id (ws.indexes, the commit's unique check). */
  readonly indexes?: IndexHooks;
}

/** Work done, for tests and status: every count grows with work, none with time. */
export interface IndexCounters {
  /** object rows computed from data files (builds and upkeep) */
  rowsIndexed: number;
  /** data files decoded for the index or for predicates no index answers */
  objectsRead: number;
  builds: number;
  /** segments derived from another by a tree diff */
  updates: number;
  loads: number;
  writes: number;
  /** index files found unusable (corrupt, another definition or tree) and replaced */
  discarded: number;
}

export interface IndexStatus {
  model: string;
  fields: string[];
  tree: string | null;
  rows: number;
  delta: number;
  /** bytes the latest index's base holds (its typed arrays and dictionaries) */
  bytes: number;
  source: 'snapshot' | 'built' | 'memory';
  counters: IndexCounters;
}

/** A problem ws.indexes.check() found in the data (not in the index, which is rebuilt silently). */
export type IndexProblem =
  | { kind: 'duplicate'; model: string; field: string; value: unknown; ids: string[] }
  | { kind: 'dangling'; model: string; field: string; id: string; target: string; missing: string }
  | { kind: 'corrupt'; model: string; path: string; reason: string };

/** What the workspace asks of a model's indexes. */
export interface IndexHooks {
  status(): IndexStatus;
  rebuild(): Promise<void>;
  check(): Promise<IndexProblem[]>;
  /**
   * Inside the commit's compare-and-swap loop, after any catch-up: refuses (UniqueConstraintError)
   * the staged tree `tree` when an object changed since `parent` (the tree the commit moves from)
   * shares a unique value with another object; `head` names that commit in the error.
   */
  beforeCommit?(tree: string, parent: string | null, head: string | null): Promise<void>;
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
  /** Model.find() refuses queries no index answers (OpenOptions.refuseScans) */
  readonly refuseScans: boolean;
  /** the root tree as staged (no `at`; hashing what changed, no I/O) or as of a revision; null: none */
  rootTree(at?: string): Promise<string | null>;
  /** reads a tree by oid, whether stored or only staged */
  readonly readTree: ReadTree;
  /** a tree's raw bytes by oid, stored or only staged (large folders are diffed on them, never parsed) */
  readonly readRawTree: (oid: string) => Promise<Uint8Array>;
  /** the entries that differ between two versions of a large folder when staging re-encoded one
   *  from the other (undefined: not known, diff them): an own commit's upkeep needs no diff */
  readonly knownChanges?: (a: string, b: string) => { changes: EntryChange[]; after?: TreeOffsets } | undefined;
  /** files as staged (what reads without `at` see) */
  readonly staged: TreeReader;
  /** files as staged (no `at`) or as of a revision */
  reader(at?: string): Promise<TreeReader>;
  /** files of one stored tree */
  snapshot(tree: string): TreeReader;
  /** a read-check-stage step with no other save, delete or commit in between */
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>, tx?: Transaction): Promise<T>;
  /** runs fn and commits what it staged as one commit (a save's `{ commit: true }` goes through here);
   *  `tx` is the transaction the call is made in, `fn` gets its own handle */
  transaction(fn: (tx: Transaction) => unknown, options?: { message?: string; author?: Signature; tx?: Transaction }): Promise<string | null>;
  /** a revision to a commit oid; `HEAD` is the workspace's branch */
  resolve(rev: string): Promise<string>;
  /** a name beside the path a case- or normalization-insensitive disk would confuse with it */
  caseTwin(path: string): Promise<string | undefined>;
  /** the class registered under a model name (UnknownModelError when none) */
  model(name: string): Function;
  /** stages objects as they were at `from` */
  restore(options: { from: string; model?: Function | string; id?: string; tx?: Transaction }): Promise<unknown>;
  /** whether an object with this oid exists: stored, or staged and not yet written */
  hasObject(oid: string): Promise<boolean>;
  /** decoded data files of every registered model read, bounded by bytes (OpenOptions.cacheSize) */
  readonly decodedCache: Lru<string, unknown>;
  /** the same for files saved and not read since: a smaller share, so an import does not fill memory with what it wrote */
  readonly savedDecoded: Lru<string, unknown>;
}
