// ws.merge(): a branch (or any revision) merged into the workspace's branch (design 4.3–4.5).
// Up-to-date and fast-forward move nothing but the ref (compare-and-swap); otherwise the merge
// base(s) are found (several: a virtual base, virtual-base.ts), the trees merged object by object
// (lib/merge/tree-merge.ts) with the model layer's field rules as the resolver (ModelBinding.merge),
// and the result laid over the index in order. Without conflicts it commits at once: a commit
// with parents [ours, theirs], the branch moved by compare-and-swap (recomputed on the new head
// when another writer moved it, up to 10 times). With conflicts the workspace is left merging:
// ws.merging lists them, ws.resolveConflict()/resolveAll() settle them in the index, ws.commit()
// makes the merge commit, ws.discard() aborts.
import {
  ConfigurationError,
  FastForwardImpossibleError,
  MergeInProgressError,
  MergeStateMovedError,
  StagedChangesError,
  StaleBranchError,
  UnrelatedHistoriesError,
  UnresolvedConflictsError,
} from '../errors.js';
import { EMPTY_TREE, type GitObject, type PendingObject } from '../git/object.js';
import { diffTrees } from '../git/tree-diff.js';
import { FILE_MODE, type TreeEntry } from '../git/tree.js';
import { groupChanges, type ObjectChange, type Owner } from '../history/object-changes.js';
import { commitRange } from '../merge/commit-range.js';
import { mergeBases } from '../merge/merge-base.js';
import type { ObjectFile, ObjectMergeRequest, ResolvedTreeConflict, ResolveObject, TreeChange, TreeConflict } from '../merge/merge-types.js';
import { layoutOf, mergeTrees } from '../merge/tree-merge.js';
import { type BaseCommit, mergeBaseTree } from '../merge/virtual-base.js';
import { assertMovable, assertWritable, type CommitOptions, type Session, type Who } from './committer.js';
import type {
  DanglingConflict,
  InvalidConflict,
  MergeChoice,
  DanglingRef,
  MergeConflict,
  MergeReads,
  PendingObjectMerge,
  ResolvedConflict,
} from './merge-hooks.js';
import { danglingRefs, type DanglingHost } from './dangling-refs.js';
import { reread } from './position.js';
import { CommitSnapshot } from './snapshot.js';
import type { ObjectOf } from './rebase.js';
import { type StageOp, StagedTree } from './staged-tree.js';
import { type ConflictSummary, conflictKey, dropStoredMerge, readStoredMerge, type StoredMerge, summaryOf, writeStoredMerge } from './merge-state.js';
import { clearRedo } from './undo.js';

/** How many times a merge is computed again on a branch that keeps moving. */
const MAX_MERGE_ATTEMPTS = 10;

export type OnConflict = 'stop' | 'ours' | 'theirs' | 'lww' | ((conflict: MergeConflict) => MergeChoice | 'lww' | undefined);

export interface MergeOptions {
  /** 'allow' (default): fast-forward when the branch is behind; 'only': that or FastForwardImpossibleError; 'never': always a merge commit */
  ff?: 'allow' | 'only' | 'never';
  /** merge a history that shares no commit with the branch (default false: UnrelatedHistoriesError) */
  allowUnrelated?: boolean;
  /** what to do with conflicts the rules left (default 'stop': leave them, the workspace merging) */
  onConflict?: OnConflict;
  /** the merge commit's message (default git's: "Merge branch 'x'", "Merge commit 'abc…'") */
  message?: string;
  author?: CommitOptions['author'];
  committer?: CommitOptions['committer'];
  /** false: stage the merged result and stay merging; ws.commit() makes the merge commit (default true) */
  commit?: boolean;
  /** compute and return the result; touch nothing (index, refs, objects) */
  dryRun?: boolean;
}

export interface MergeResult {
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts';
  /** the branch head merged into (null: an unborn branch) and the commit merged */
  ours: string | null;
  theirs: string;
  /** the merge bases; more than one: a virtual base was merged from them */
  bases: string[];
  /** the merge commit, or the new head after a fast-forward */
  commit?: string;
  /** what the merge changed relative to ours, object by object */
  changes: ObjectChange[];
  /** conflicts settled by rules (onDelete, moves, field rules) or by onConflict, with how */
  resolved: ResolvedConflict[];
  /** conflicts left: the workspace is merging (ws.merging) */
  conflicts: MergeConflict[];
  /** references in the merged tree whose target is not there (the merge deleted it, or a side added a reference to an object it never had) */
  danglingRefs: DanglingRef[];
}

/** ws.merging: the merge in progress. */
export interface MergingInfo {
  theirs: string;
  bases: string[];
  conflicts: MergeConflict[];
}

/** What a merge needs of the workspace. */
export interface MergeHost extends DanglingHost {
  readonly session: Session;
  readonly objectOf: ObjectOf;
  readonly owner: Owner;
  nameOf(model: Function | string): string;
  resolve(rev: string): Promise<string>;
  /** who a commit is by (checks the options: a ConfigurationError without a message) */
  who(options: Partial<CommitOptions>): Who;
}

/** How a conflict is settled in the index. */
type Internal =
  | { kind: 'tree'; tree: TreeConflict }
  | { kind: 'object'; pending: PendingObjectMerge; request: ObjectMergeRequest }
  | { kind: 'inner-file'; modes?: { base?: string; ours: string; theirs: string } }
  | { kind: 'dangling' };

interface MergeState {
  rev: string;
  ours: string;
  theirs: string;
  bases: string[];
  message: string;
  conflicts: MergeConflict[];
  resolved: ResolvedConflict[];
  internal: Map<MergeConflict, Internal>;
  reads: MergeReads;
}

const treeOrNull = (tree: string | null): string | null => (tree === EMPTY_TREE ? null : tree);

/** Lays the tree merge's changes over the index in list order (a graft may be refined by a later change below it). */
async function applyInOrder(index: StagedTree, changes: readonly TreeChange[]): Promise<void> {
  for (const change of changes) {
    if (change.path === '') {
      if (change.op === 'graft') index.reset(change.entry.oid);
      else if (change.op === 'remove') index.reset(null);
      else throw new RangeError('a merged object cannot be the whole tree');
      continue;
    }
    await index.apply(opsOf(change));
  }
}

/** One change as index operations, applied as one batch (removals first, then writes). */
function opsOf(change: TreeChange): StageOp[] {
  if (change.op === 'graft') return [{ path: change.path, entry: change.entry }];
  if (change.op === 'remove') return [{ path: change.path, remove: true }];
  return [{ path: change.path, remove: true }, ...change.files.map(fileOp)];
}

function fileOp(file: ObjectFile): StageOp {
  return 'entry' in file ? { path: file.path, entry: file.entry } : { path: file.path, data: file.data, oid: file.oid };
}

/** git's default message for merging `rev` into `branch` (fmt-merge-msg). */
async function defaultMessage(host: MergeHost, rev: string): Promise<string> {
  const refs = host.session.repo.refs;
  const short = rev.replace(/^refs\/(heads|tags|remotes)\//, '');
  let what = `commit '${rev}'`;
  if ((await refs.read(`refs/heads/${short}`)) !== null && !rev.startsWith('refs/tags/') && !rev.startsWith('refs/remotes/')) what = `branch '${short}'`;
  else if ((await refs.read(`refs/tags/${short}`)) !== null && !rev.startsWith('refs/remotes/')) what = `tag '${short}'`;
  else if ((await refs.read(`refs/remotes/${short}`)) !== null) what = `remote-tracking branch '${short}'`;
  const branch = host.session.position.name;
  return `Merge ${what}${branch === 'main' || branch === 'master' ? '' : ` into ${branch}`}`;
}

function checkOptions(options: MergeOptions): void {
  if (options.ff !== undefined && !['allow', 'only', 'never'].includes(options.ff)) {
    throw new ConfigurationError(`ff is 'allow', 'only' or 'never', not ${JSON.stringify(options.ff)}`);
  }
  const on = options.onConflict;
  if (on !== undefined && typeof on !== 'function' && !['stop', 'ours', 'theirs', 'lww'].includes(on)) {
    throw new ConfigurationError(`onConflict is 'stop', 'ours', 'theirs', 'lww' or a function, not ${JSON.stringify(on)}`);
  }
}

export class Merges {
  private state: MergeState | null = null;
  /** a merge stored by another process (or before a crash), read at open; rebuilt into `state` when first settled */
  private restored: StoredMerge | null = null;
  /** the value of refs/gitmodel/merge/<branch> this workspace last read or wrote (compare-and-swap) */
  private stored: string | null = null;

  /** `persist`: keep the merging state under refs/gitmodel/merge/<branch> (the workspace's own merges; not pull's scratch ones) */
  constructor(private readonly host: MergeHost, private readonly persist = false) {}

  /**
   * ws.merging; for a merge restored from another process, the conflicts as stored until one is
   * settled, field values typed by their model when it is registered (else in JSON form)
   */
  get merging(): MergingInfo | null {
    const state = this.state;
    if (!state && this.restored) {
      const { theirs, bases, conflicts } = this.restored;
      return { theirs, bases: [...bases], conflicts: conflicts.map((c) => this.typed(c)) };
    }
    return state && { theirs: state.theirs, bases: [...state.bases], conflicts: [...state.conflicts] };
  }

  /** A stored conflict with its field values typed as the model decodes them (the merge is not computed again for this). */
  private typed(stored: ConflictSummary): MergeConflict {
    const conflict = { ...stored };
    const hooks = stored.kind === 'field' && typeof stored.model === 'string' ? this.host.mergeHooks(stored.model) : undefined;
    if (hooks) for (const side of ['base', 'ours', 'theirs'] as const) if (side in conflict) conflict[side] = hooks.fieldValue(stored.field!, conflict[side]);
    return conflict as unknown as MergeConflict;
  }

  /** Refuses an action that a merge in progress forbids. */
  assertNotMerging(action: string): void {
    const rev = this.state?.rev ?? this.restored?.rev;
    if (rev !== undefined) throw new MergeInProgressError({ branch: this.host.session.position.name, theirs: rev, action });
  }

  /**
   * Drops the merging state and the stored merge (ws.discard() resets the index and position
   * itself); MergeStateMovedError when another process stepped the merge on meanwhile.
   */
  async abort(): Promise<void> {
    if (this.stored) {
      try {
        await dropStoredMerge(this.repo, this.host.session.position.name, this.stored);
      } catch (error) {
        if (error instanceof MergeStateMovedError) await this.reload();
        throw error;
      }
    }
    this.state = null;
    this.restored = null;
    this.stored = null;
  }

  /**
   * Reads the merge stored for the workspace's branch (Workspace.open): when the branch is still
   * at its `ours`, the workspace is merging again, its index the stored one. A stored merge whose
   * branch moved on is left alone (nothing is lost; the next merge on the branch replaces it), or
   * removed when the branch is at its merge commit (a process died between the two steps).
   */
  async restore(): Promise<void> {
    const { session } = this.host;
    if (!this.persist || session.position.ref.startsWith('refs/tags/')) return;
    const { name, head } = session.position;
    const stored = await readStoredMerge(this.repo, name);
    if (!stored) return;
    if (stored.ours !== head) {
      // the merge was committed, and the process died before removing the ref
      const parents = head ? (await this.repo.readCommit(head)).parents : [];
      if (parents.length === 2 && parents[0] === stored.ours && parents[1] === stored.theirs) await dropStoredMerge(this.repo, name, stored.oid).catch(() => {});
      return;
    }
    this.restored = stored;
    this.stored = stored.oid;
    session.index.reset(stored.tree);
  }

  /** After another process moved the stored merge: forget this one's, and show that process's (or none). */
  private async reload(): Promise<void> {
    const { session } = this.host;
    this.state = null;
    this.restored = null;
    this.stored = null;
    const now = await reread(this.repo, session.position);
    session.position = now;
    session.index.reset(now.head ? now.tree : null);
    await this.restore();
  }

  /** Stores the merging state (its index's new objects with it); returns the stored commit. */
  private async store(state: MergeState, expected: string | null): Promise<string> {
    const { index, position } = this.host.session;
    const who = this.host.who({ message: state.message });
    const settled = state.resolved.map((r) => ({ key: conflictKey(r), how: r.how }));
    const { rev, ours, theirs, bases, message } = state;
    const oid = await writeStoredMerge(
      this.repo,
      position.name,
      { rev, ours, theirs, bases, message, tree: index.treeOid(), conflicts: state.conflicts.map(summaryOf), settled },
      index.newObjects(),
      who,
      expected,
    );
    index.markStored();
    return oid;
  }

  /** A settling step (resolveConflict, resolveAll) kept in the stored merge; undone when another process stepped it first. */
  private async settling<T>(step: (state: MergeState) => Promise<T>): Promise<T> {
    const state = await this.load();
    const result = await step(state);
    if (this.persist) {
      try {
        this.stored = await this.store(state, this.stored);
      } catch (error) {
        if (error instanceof MergeStateMovedError) await this.reload();
        throw error;
      }
    }
    return result;
  }

  /**
   * The merging state, rebuilt when it was restored: the merge computed again (on a scratch index:
   * the workspace's is the stored one), its conflicts narrowed to those stored as left, and the
   * field values settled before replayed into their objects' pending merges, from the stored index.
   */
  private async load(): Promise<MergeState> {
    if (this.state) return this.state;
    const stored = this.restored;
    if (!stored) throw new ConfigurationError('no merge is in progress: ws.merge() one first (ws.merging is null)');
    const { repo } = this;
    const scratch = new StagedTree(repo, treeOrNull((await repo.readCommit(stored.ours)).tree));
    const state = await this.compute(stored.rev, stored.ours, stored.theirs, stored.bases, stored.message, scratch, false);
    const left = new Set(stored.conflicts.map(conflictKey));
    const fresh = new Set(state.conflicts.map(conflictKey));
    const how = new Map(stored.settled.map((s) => [s.key, s.how]));
    // a conflict stored at a path the computation names differently (the models registered differ:
    // a file conflict without them, field conflicts with them) stays, as the computed kind
    const unmatchedPaths = stored.conflicts.filter((c) => c.kind !== 'invalid' && !fresh.has(conflictKey(c))).map((c) => c.path);
    const unmatched = { has: (path: string) => unmatchedPaths.some((p) => p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`)) };
    const replay: MergeConflict[] = [];
    for (const conflict of [...state.conflicts]) {
      const key = conflictKey(conflict);
      if (left.has(key) || unmatched.has(conflict.path)) continue;
      state.conflicts.splice(state.conflicts.indexOf(conflict), 1);
      state.resolved.push({ ...conflict, how: how.get(key) ?? 'resolved' });
      if (conflict.kind === 'field') replay.push(conflict);
    }
    for (const conflict of replay) {
      const internal = state.internal.get(conflict)!;
      state.internal.delete(conflict);
      const open = state.conflicts.some((c) => c.path === conflict.path) || left.has(conflictKey({ kind: 'invalid', path: conflict.path }));
      if (internal.kind !== 'object' || !open || conflict.kind !== 'field') continue;
      const hooks = this.host.mergeHooks(internal.request.model)!;
      const object = await hooks.decode({ path: conflict.path, id: conflict.id, entry: await this.treeEntry(conflict.path) }, state.reads);
      const { invalid } = await internal.pending.settle(conflict.field, object ? (object as Record<string, unknown>)[conflict.field] : undefined);
      if (invalid && left.has(conflictKey(invalid))) {
        state.conflicts.push(invalid);
        state.internal.set(invalid, internal);
      }
    }
    if (stored.conflicts.some((c) => c.kind === 'dangling')) {
      // dangling references are judged on the merged index, as the merge judged them
      const { index } = this.host.session;
      const oursTree = treeOrNull((await repo.readCommit(stored.ours)).tree);
      const changes = await groupChanges(diffTrees(index, oursTree, treeOrNull(index.treeOid())), this.host.owner);
      for (const conflict of this.addDangling(state, await danglingRefs(this.host, index, changes))) {
        if (left.has(conflictKey(conflict))) continue;
        state.conflicts.splice(state.conflicts.indexOf(conflict), 1);
        state.internal.delete(conflict);
      }
    }
    const missing = [...left].filter((key) => !state.conflicts.some((c) => conflictKey(c) === key || unmatched.has(c.path)));
    if (missing.length) {
      throw new ConfigurationError(
        `the merge in progress on ${this.host.session.position.name} has conflicts that merging again does not find (${missing.map((k) => k.replaceAll('\0', ' ').trim()).join(', ')}): register the models it was made with`,
      );
    }
    this.state = state;
    this.restored = null;
    return state;
  }

  /** The index entry at a path, a folder's included (an object's root), staged folders too. */
  private async treeEntry(path: string): Promise<TreeEntry | undefined> {
    const { index } = this.host.session;
    let tree = index.treeOid();
    const parts = path.split('/');
    for (let i = 0; ; i++) {
      const entry = (await index.readTree(tree)).get(parts[i]);
      if (!entry || i === parts.length - 1) return entry;
      tree = entry.oid;
    }
  }

  private get repo() {
    return this.host.session.repo;
  }

  private readonly readNode = async (oid: string): Promise<BaseCommit> => {
    const commit = await this.repo.readCommit(oid);
    return { parents: commit.parents, time: commit.committer.timestamp, tree: commit.tree };
  };

  async merge(rev: string, options: MergeOptions = {}): Promise<MergeResult> {
    const { session } = this.host;
    assertWritable(session.position);
    checkOptions(options);
    this.assertNotMerging(`merge ${rev}`);
    if (session.index.treeOid() !== session.position.tree) {
      throw new StagedChangesError({ branch: session.position.name, action: `merge ${rev}` });
    }
    const theirs = await this.host.resolve(rev);
    const message = options.message ?? (await defaultMessage(this.host, rev));
    // the identity is checked before anything is computed
    const who = this.host.who({ message, author: options.author, committer: options.committer });
    const original = session.position;
    try {
      for (let attempt = 1; ; attempt++) {
        // computed from the branch head as it is now: nothing is staged, so the workspace may catch up
        const now = await reread(this.repo, session.position);
        if (now.head !== session.position.head) {
          session.position = now;
          session.index.reset(now.head ? now.tree : null);
        }
        const result = await this.attempt(rev, theirs, message, who, options);
        if (result) return result;
        if (attempt >= MAX_MERGE_ATTEMPTS) {
          throw new StaleBranchError({ branch: session.position.name, expected: session.position.head, actual: await this.repo.refs.read(session.position.ref) });
        }
      }
    } finally {
      if (options.dryRun && session.position !== original) {
        session.position = original;
        session.index.reset(original.head ? original.tree : null);
      }
    }
  }

  /** One try at the merge on the head the workspace has; null when the branch moved meanwhile. */
  private async attempt(rev: string, theirs: string, message: string, who: Who, options: MergeOptions): Promise<MergeResult | null> {
    const { session } = this.host;
    const { repo } = this;
    const position = session.position;
    const ours = position.head;
    const theirsTree = (await repo.readCommit(theirs)).tree;
    const empty = { changes: [], resolved: [], conflicts: [], danglingRefs: [] };
    if (!ours) return this.fastForward(rev, null, theirs, [], theirsTree, who, options);
    const bases = await mergeBases(this.readNode, ours, theirs);
    if (bases.includes(theirs)) return { status: 'up-to-date', ours, theirs, bases, ...empty };
    if (bases.includes(ours) && options.ff !== 'never') return this.fastForward(rev, ours, theirs, bases, theirsTree, who, options);
    if (options.ff === 'only') throw new FastForwardImpossibleError({ branch: position.name, ours, theirs });
    if (!bases.length && !options.allowUnrelated) throw new UnrelatedHistoriesError({ branch: position.name, theirs: rev });

    const index = session.index;
    // a merge another process left in progress on this head is that process's to finish
    const stored = this.persist && !options.dryRun ? await readStoredMerge(repo, position.name) : null;
    if (stored && stored.ours === ours) throw new MergeInProgressError({ branch: position.name, theirs: stored.rev, action: `merge ${rev}` });
    const savepoint = index.savepoint();
    try {
      const state = await this.compute(rev, ours, theirs, bases, message, index, !options.dryRun);
      const on = options.onConflict ?? 'stop';
      await this.applyOnConflict(state, on);
      const changedNow = () => groupChanges(diffTrees(index, treeOrNull(position.tree), treeOrNull(index.treeOid())), this.host.owner);
      let changes = await changedNow();
      let dangling = await danglingRefs(this.host, index, changes);
      // references on fields declared onDangling: 'conflict' are conflicts, which onConflict may settle too
      const danglingConflicts = this.addDangling(state, dangling);
      if (danglingConflicts.length) {
        await this.applyOnConflict(state, on, danglingConflicts);
        [changes, dangling] = [await changedNow(), dangling.filter((d) => !d.conflict)];
      }
      const status = state.conflicts.length ? 'conflicts' : 'merged';
      const result: MergeResult = { status, ours, theirs, bases, changes, resolved: state.resolved, conflicts: [...state.conflicts], danglingRefs: dangling };
      if (options.dryRun) {
        savepoint.rollback();
        return result;
      }
      if (state.conflicts.length || options.commit === false) {
        // kept where another process finds it; a stale one (its branch moved on) is replaced
        if (this.persist) {
          try {
            this.stored = await this.store(state, stored?.oid ?? null);
          } catch (error) {
            // another process stored its merge on this branch first: that merge is in progress
            if (error instanceof MergeStateMovedError) throw new MergeInProgressError({ branch: position.name, theirs: rev, action: `merge ${rev}` });
            throw error;
          }
        }
        savepoint.release();
        this.state = state;
        return result;
      }
      const commit = await this.commitMerge(state, who);
      if (!commit) {
        savepoint.rollback();
        return null;
      }
      savepoint.release();
      return { ...result, commit };
    } catch (error) {
      savepoint.rollback();
      throw error;
    }
  }

  /**
   * The merge of `theirs` into `ours` laid over `index` (at ours' tree), and its conflicts with
   * what settles each: a pure function of the commits and the models' rules, so a merge stored by
   * another process is rebuilt by computing it again. `write`: store a virtual base's objects.
   */
  private async compute(rev: string, ours: string, theirs: string, bases: string[], message: string, index: StagedTree, write: boolean): Promise<MergeState> {
    const { repo } = this;
    const [oursTree, theirsTree] = [(await repo.readCommit(ours)).tree, (await repo.readCommit(theirs)).tree];
    const overlay = new Map<string, GitObject>();
    const reads = this.reads(ours, theirs, bases, overlay);
    const pendings = new Map<string, { pending: PendingObjectMerge; request: ObjectMergeRequest }>();
    const unmerged = new Map<string, { base?: string; ours: string; theirs: string }>();
    const resolve: ResolveObject<MergeConflict> = async (request) => {
      const hooks = this.host.mergeHooks(request.model);
      if (!hooks) {
        // a model without merge hooks merges by root: its entries may be folders, kept with their modes
        unmerged.set(request.path, { base: request.base?.mode, ours: request.ours.mode, theirs: request.theirs.mode });
        return { take: 'ours', conflicts: [{ kind: 'file', reason: 'changed', path: request.path, base: request.base?.oid, ours: request.ours.oid, theirs: request.theirs.oid }] };
      }
      const outcome = await hooks.resolve(request, reads);
      if (outcome.pending && !request.virtual) pendings.set(request.path, { pending: outcome.pending, request });
      return outcome;
    };
    const layout = layoutOf(this.host.objectOf);
    const mergeOptions = {
      onDelete: (model: string) => this.host.mergeHooks(model)?.onDelete ?? 'conflict',
      fingerprint: ({ model, id, path, entry }: { model: string; id: string; path: string; entry: TreeEntry }) =>
        this.host.mergeHooks(model)?.fingerprint({ path, id, entry }, reads) ?? Promise.resolve(undefined),
    };
    const readTree = async (oid: string) => (await reads.read(oid)).content;
    let baseTree: string | null = null;
    let made: PendingObject[] = [];
    if (bases.length > 1) {
      const virtual = await mergeBaseTree({ readCommit: this.readNode, readTree }, bases, layout, resolve, mergeOptions);
      for (const object of virtual.objects) overlay.set(object.oid, object);
      made = virtual.objects;
      baseTree = virtual.tree;
    } else if (bases.length === 1) baseTree = treeOrNull((await repo.readCommit(bases[0])).tree);
    const merged = await mergeTrees(readTree, { base: baseTree, ours: treeOrNull(oursTree), theirs: treeOrNull(theirsTree) }, layout, resolve, mergeOptions);

    // a virtual base's objects may be grafted (a conflict settled to the base): stored first
    if (write && made.length) await repo.writeObjects(made);
    await applyInOrder(index, merged.changes);
    const state: MergeState = { rev, ours, theirs, bases, message, conflicts: [], resolved: [], internal: new Map(), reads };
    for (const raw of merged.resolved) state.resolved.push(await this.resolvedOf(raw, reads));
    for (const raw of merged.conflicts) {
      const conflict = await this.publicOf(raw, reads);
      state.conflicts.push(conflict);
      if ('entries' in raw) state.internal.set(conflict, { kind: 'tree', tree: raw });
      else if (conflict.kind === 'field' || conflict.kind === 'invalid') state.internal.set(conflict, { kind: 'object', ...pendings.get(conflict.path)! });
      else state.internal.set(conflict, { kind: 'inner-file', modes: unmerged.get(conflict.path) });
    }
    return state;
  }

  private async fastForward(rev: string, ours: string | null, theirs: string, bases: string[], tree: string, who: Who, options: MergeOptions): Promise<MergeResult | null> {
    const { session } = this.host;
    const changes = await groupChanges(diffTrees(session.index, ours ? treeOrNull(session.position.tree) : null, treeOrNull(tree)), this.host.owner);
    // a fast-forward has nothing to settle: references on onDangling: 'conflict' fields are listed too
    const dangling = (await danglingRefs(this.host, new CommitSnapshot(this.repo, tree), changes)).map(({ conflict: _, ...d }) => d);
    const result: MergeResult = { status: 'fast-forward', ours, theirs, bases, commit: theirs, changes, resolved: [], conflicts: [], danglingRefs: dangling };
    if (options.dryRun) return result;
    await assertMovable(session);
    const { ref, name } = session.position;
    try {
      await this.repo.refs.update(ref, theirs, ours, { who: who.committer, message: `merge ${rev}: Fast-forward` });
    } catch (error) {
      if (error instanceof StaleBranchError) return null;
      throw error;
    }
    session.position = { ...session.position, head: theirs, tree };
    session.index.reset(tree);
    await clearRedo(this.repo, name).catch(() => {});
    return result;
  }

  /** Writes the merge commit and moves the branch from `ours`; null when it moved meanwhile. Drops the stored merge after. */
  private async commitMerge(state: Pick<MergeState, 'rev' | 'ours' | 'theirs' | 'message'>, { author, committer }: Who, message = state.message): Promise<string | null> {
    const { session } = this.host;
    const { repo } = this;
    const { index } = session;
    await assertMovable(session);
    const { ref, name } = session.position;
    if ((await repo.refs.read(ref)) !== state.ours) return null;
    const tree = index.treeOid();
    const oid = await repo.writeCommit({ tree, parents: [state.ours, state.theirs], author, committer, message }, index.newObjects());
    try {
      await repo.refs.update(ref, oid, state.ours, { who: committer, message: `merge ${state.rev}: Merge made by the 'gitmodel' strategy.` });
    } catch (error) {
      if (error instanceof StaleBranchError) return null;
      throw error;
    }
    index.markStored();
    session.position = { ...session.position, head: oid, tree };
    this.state = null;
    this.restored = null;
    // after the branch moved (a crash before this leaves a stored merge restore() removes): the one
    // stored now, which another holder may have stepped on since this workspace last did
    if (this.persist) {
      const stored = await readStoredMerge(repo, name);
      if (stored?.ours === state.ours) await dropStoredMerge(repo, name, stored.oid).catch(() => {});
    }
    this.stored = null;
    await clearRedo(repo, name).catch(() => {});
    return oid;
  }

  /** ws.commit() while merging: the two-parent merge commit. */
  async commit(options: Partial<CommitOptions>): Promise<string> {
    // a restored merge with no conflict left commits without being rebuilt (no models needed)
    const state = this.state ?? this.restored!;
    const { session } = this.host;
    if (state.conflicts.length) throw new UnresolvedConflictsError({ branch: session.position.name, conflicts: state.conflicts.length });
    const who = this.host.who({ ...options, message: options.message ?? state.message });
    const oid = await this.commitMerge(state, who, options.message ?? state.message);
    if (!oid) {
      throw new StaleBranchError({ branch: session.position.name, expected: state.ours, actual: await this.repo.refs.read(session.position.ref), staged: 'kept' });
    }
    return oid;
  }

  /** ws.resolveConflict(): settles one conflict in the index; returns the conflicts left. */
  async resolveConflict(conflict: MergeConflict, choice: MergeChoice): Promise<MergeConflict[]> {
    return this.settling(async (state) => {
      const live = this.find(state, conflict);
      await this.settle(state, live, choice, typeof choice === 'string' ? choice : 'value');
      return [...state.conflicts];
    });
  }

  /** ws.resolveAll(): settles every conflict left (of one model) the same way. */
  async resolveAll(choice: MergeChoice, filter: { model?: Function | string } = {}): Promise<MergeConflict[]> {
    const model = filter.model === undefined ? undefined : this.host.nameOf(filter.model);
    return this.settling(async (state) => {
      for (const conflict of [...state.conflicts]) {
        if (model !== undefined && ('model' in conflict ? conflict.model : null) !== model) continue;
        if (!state.conflicts.includes(conflict)) continue;
        await this.settle(state, conflict, choice, typeof choice === 'string' ? choice : 'value');
      }
      return [...state.conflicts];
    });
  }

  /** The live conflict a caller means: the same object, or one equal in kind, path and field. */
  private find(state: MergeState, conflict: MergeConflict): MergeConflict {
    if (state.internal.has(conflict) && state.conflicts.includes(conflict)) return conflict;
    const key = conflictKey(conflict);
    const hit = state.conflicts.find((c) => conflictKey(c) === key);
    if (!hit) throw new ConfigurationError(`no such conflict is left in the merge (${conflict.kind} at ${conflict.path}): see ws.merging.conflicts`);
    return hit;
  }

  /** The references on onDangling: 'conflict' fields among `dangling`, made conflicts of the merge; returns them. */
  private addDangling(state: MergeState, dangling: readonly DanglingRef[]): DanglingConflict[] {
    const added: DanglingConflict[] = [];
    for (const d of dangling) {
      if (!d.conflict) continue;
      const conflict: DanglingConflict = {
        kind: 'dangling',
        model: d.model,
        id: d.id,
        path: this.host.scope({ model: d.model, id: d.id }).path,
        field: d.field,
        target: { ...d.target, path: this.host.scope(d.target).path },
      };
      state.conflicts.push(conflict);
      state.internal.set(conflict, { kind: 'dangling' });
      added.push(conflict);
    }
    return added;
  }

  /** Lets onConflict settle what the rules left. */
  private async applyOnConflict(state: MergeState, on: OnConflict, only?: readonly MergeConflict[]): Promise<void> {
    if (on === 'stop') return;
    for (let i = 0; i < state.conflicts.length; ) {
      const conflict = state.conflicts[i];
      if (only && !only.includes(conflict)) {
        i++;
        continue;
      }
      const choice = typeof on === 'function' ? on(conflict) : on;
      if (choice === undefined) {
        i++;
        continue;
      }
      await this.settle(state, conflict, choice, `onConflict:${typeof choice === 'string' ? choice : 'value'}`);
      // settled: it left the list (an invalid conflict it caused was appended, and comes up in turn)
    }
  }

  /** The side 'lww' picks for a conflict that is no field's: the later commit touching its path. */
  private async lwwSide(state: MergeState, conflict: MergeConflict): Promise<'ours' | 'theirs'> {
    const internal = state.internal.get(conflict)!;
    if (internal.kind === 'object' && conflict.kind === 'field') return internal.pending.lww(conflict.field);
    const paths =
      conflict.kind === 'rename' && internal.kind === 'tree' && internal.tree.kind === 'rename'
        ? { ours: internal.tree.oursPath ?? conflict.path, theirs: internal.tree.theirsPath ?? conflict.path }
        : conflict.kind === 'dangling'
          ? { ours: conflict.target.path, theirs: conflict.target.path }
          : { ours: conflict.path, theirs: conflict.path };
    const [o, t] = await Promise.all([state.reads.clock('ours', paths.ours), state.reads.clock('theirs', paths.theirs)]);
    if (o !== t) return o > t ? 'ours' : 'theirs';
    // a tie: the same answer on every machine, whichever side merges
    const key = (side: 'ours' | 'theirs') => JSON.stringify((conflict as unknown as Record<string, unknown>)[side === 'ours' ? 'ours' : 'theirs'] ?? null);
    return key('ours') >= key('theirs') ? 'ours' : 'theirs';
  }

  /** Settles one conflict in the index, and moves it from the conflicts to the resolved. */
  private async settle(state: MergeState, conflict: MergeConflict, given: MergeChoice | 'lww', how: string): Promise<void> {
    const index = this.host.session.index;
    const internal = state.internal.get(conflict)!;
    const choice = given === 'lww' ? await this.lwwSide(state, conflict) : given;
    const bad = (why: string) => new ConfigurationError(`a ${conflict.kind} conflict (${conflict.path}) cannot be settled with ${JSON.stringify(choice)}: ${why}`);
    let invalid: InvalidConflict | undefined;
    const replace = async (files: ObjectFile[] | null) => {
      await index.apply([{ path: conflict.path, remove: true }, ...(files ?? []).map(fileOp)]);
    };
    const graft = async (path: string, entry: TreeEntry | undefined) => {
      await index.apply([entry ? { path, entry } : { path, remove: true }]);
    };
    if (internal.kind === 'object') {
      const { pending, request } = internal;
      const hooks = this.host.mergeHooks(request.model)!;
      if (conflict.kind === 'field') {
        if (choice === 'delete' || choice === 'keep') throw bad("a field takes 'ours', 'theirs', 'base' or { value }");
        const value = typeof choice === 'object' ? choice.value : conflict[choice];
        const settled = await pending.settle(conflict.field, value);
        invalid = settled.invalid;
        await replace(settled.files === 'ours' ? await pending.version('ours') : settled.files);
      } else {
        // invalid: a side's whole version, or a whole object given
        if (choice === 'delete') await replace(null);
        else if (typeof choice === 'object') await replace(await hooks.encode({ path: conflict.path, id: request.id, value: choice.value }));
        else await replace(await pending.version(choice === 'keep' ? 'ours' : choice));
      }
    } else if (internal.kind === 'inner-file' && conflict.kind === 'file') {
      if (typeof choice === 'object') await index.apply([{ path: conflict.path, data: toBytes(choice.value) }]);
      else if (choice !== 'keep') {
        const oid = choice === 'delete' ? undefined : conflict[choice];
        const mode = (choice !== 'delete' && internal.modes?.[choice]) || FILE_MODE;
        await graft(conflict.path, oid === undefined ? undefined : { mode: mode as TreeEntry['mode'], oid });
      }
    } else if (internal.kind === 'dangling' && conflict.kind === 'dangling') {
      // keep: dangling as it is; delete: the referring object; a side: the target as it has it; a value: the field's
      if (choice === 'delete') await graft(conflict.path, undefined);
      else if (typeof choice === 'object') {
        const hooks = this.host.mergeHooks(conflict.model)!;
        const object = await hooks.decode({ path: conflict.path, id: conflict.id, entry: await this.treeEntry(conflict.path) }, state.reads);
        if (!object) throw bad('the object holding the reference is not in the merge');
        (object as Record<string, unknown>)[conflict.field] = choice.value;
        await replace(await hooks.encode({ path: conflict.path, id: conflict.id, value: object }));
      } else if (choice !== 'keep') {
        const commit = choice === 'ours' ? state.ours : choice === 'theirs' ? state.theirs : state.bases.length === 1 ? state.bases[0] : undefined;
        if (!commit) throw bad("the merge has several bases: take 'ours' or 'theirs'");
        await graft(conflict.target.path, await this.repo.lookup((await this.repo.readCommit(commit)).tree, conflict.target.path));
      }
    } else if (internal.kind === 'tree') {
      const tree = internal.tree;
      if (tree.kind === 'delete-modify') {
        const modified = tree.deletedBy === 'ours' ? 'theirs' : 'ours';
        if (typeof choice === 'object') {
          await replace(await this.host.mergeHooks(tree.model)!.encode({ path: tree.path, id: tree.id, value: choice.value }));
        } else if (choice === 'delete') await graft(tree.path, undefined);
        else await graft(tree.path, tree.entries[choice === 'keep' ? modified : choice]);
      } else if (tree.kind === 'rename') {
        const { oursPath, theirsPath, entries } = tree;
        if (typeof choice === 'object') throw bad("a rename takes 'ours', 'theirs', 'base', 'delete' or 'keep'");
        const drop = async (path: string | null) => {
          if (path) await graft(path, undefined);
        };
        if (choice === 'ours') {
          if (theirsPath !== oursPath && tree.reason !== 'case-twin') await drop(theirsPath);
        } else if (choice === 'theirs') {
          if (oursPath !== theirsPath) await drop(oursPath);
          if (tree.reason === 'case-twin' && theirsPath) await graft(theirsPath, entries.theirs);
        } else if (choice === 'base') {
          await drop(oursPath);
          if (tree.reason !== 'case-twin') await drop(theirsPath);
          if (entries.base) await graft(tree.path, entries.base);
        } else if (choice === 'delete') {
          await drop(oursPath);
          if (tree.reason !== 'case-twin') await drop(theirsPath);
        }
      } else {
        if (typeof choice === 'object') await index.apply([{ path: tree.path, data: toBytes(choice.value) }]);
        else if (choice !== 'keep') await graft(tree.path, choice === 'delete' ? undefined : tree.entries[choice]);
      }
    }
    state.conflicts.splice(state.conflicts.indexOf(conflict), 1);
    state.internal.delete(conflict);
    state.resolved.push({ ...conflict, how });
    if (invalid) {
      state.conflicts.push(invalid);
      state.internal.set(invalid, internal);
    }
  }


  /** A tree-level or resolver conflict as the caller sees it (typed objects for delete-modify). */
  private async publicOf(raw: TreeConflict | MergeConflict, reads: MergeReads): Promise<MergeConflict> {
    if (!('entries' in raw)) return raw;
    if (raw.kind === 'delete-modify') {
      const hooks = this.host.mergeHooks(raw.model);
      const modified = raw.deletedBy === 'ours' ? raw.entries.theirs : raw.entries.ours;
      const decode = (entry: TreeEntry | undefined) => hooks?.decode({ path: raw.path, id: raw.id, entry }, reads) ?? Promise.resolve(null);
      return { kind: 'delete-modify', model: raw.model, id: raw.id, path: raw.path, deletedBy: raw.deletedBy, base: await decode(raw.entries.base), modified: await decode(modified) };
    }
    if (raw.kind === 'rename') return { kind: 'rename', reason: raw.reason, model: raw.model, id: raw.id, path: raw.path, ours: raw.ours, theirs: raw.theirs };
    return { kind: 'file', reason: raw.reason, path: raw.path, base: raw.entries.base?.oid, ours: raw.entries.ours?.oid, theirs: raw.entries.theirs?.oid };
  }

  private async resolvedOf(raw: ResolvedTreeConflict | MergeConflict, reads: MergeReads): Promise<ResolvedConflict> {
    if ('entries' in raw) return { ...(await this.publicOf(raw, reads)), how: raw.how };
    return raw as ResolvedConflict;
  }

  /** Reads for the model layer: stored objects and the merge's own, and lww's clocks. */
  private reads(ours: string, theirs: string, bases: string[], overlay: Map<string, GitObject>): MergeReads {
    const repo = this.repo;
    const ranges = new Map<string, Promise<{ oid: string; time: number }[]>>();
    const clocks = new Map<string, Promise<number>>();
    const clock = async (tip: string, path: string): Promise<number> => {
      let range = ranges.get(tip);
      if (!range) ranges.set(tip, (range = commitRange(this.readNode, tip, bases)));
      for (const { oid, time } of await range) {
        const commit = await repo.readCommit(oid);
        const here = (await repo.lookup(commit.tree, path))?.oid;
        let touched = true;
        for (const parent of commit.parents) {
          if ((await repo.lookup((await repo.readCommit(parent)).tree, path))?.oid === here) touched = false;
        }
        if (touched) return time;
      }
      return (await repo.readCommit(tip)).committer.timestamp;
    };
    return {
      read: async (oid) => overlay.get(oid) ?? repo.readObject(oid),
      clock: (side, path) => {
        const tip = side === 'ours' ? ours : theirs;
        const key = `${tip}\0${path}`;
        let hit = clocks.get(key);
        if (!hit) clocks.set(key, (hit = clock(tip, path)));
        return hit;
      },
    };
  }
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  throw new ConfigurationError('a file conflict settled with { value } takes the file\'s bytes (a Uint8Array) or text (a string)');
}
