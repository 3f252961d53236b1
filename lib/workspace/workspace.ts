// A workspace: one branch of one repository (or, read-only, one tag), with an in-memory index of
// staged changes over the head. Objects are written and the branch moves only on commit; the
// repository's own index file and working tree are never touched. This file is the session:
// opening, moving between positions, transactions, and the reads and diffs over them; committing
// (committer.ts), the bound models (model-catalog.ts), branches, tags, checkpoints, plain files,
// undo and restore live in their own files.
import {
  ConfigurationError,
  ConflictError,
  FileTooLargeError,
  RepositoryNotFoundError,
  StagedChangesError,
  StaleBranchError,
} from '../errors.js';
import { branchNameProblem } from '../git/ref-names.js';
import type { RepositoryBackend } from '../git/ports.js';
import { Repository } from '../git/repository.js';
import { Lru } from '../util/lru.js';
import { diffTrees } from '../git/tree-diff.js';
import { commitInfo, type CommitInfo } from '../history/commit-info.js';
import { type CommitFilter, walkFiltered } from '../history/commit-walk.js';
import { groupChanges, type ObjectChange } from '../history/object-changes.js';
import { Branches } from './branches.js';
import { Checkpoints } from './checkpoints.js';
import { assertMovable, assertWritable, type CommitOptions, commitStaged, type Session, whoCommits } from './committer.js';
import { Files } from './files.js';
import type { MergeChoice, MergeConflict } from './merge-hooks.js';
import { type MergeOptions, type MergeResult, Merges, type MergingInfo } from './merge.js';
import { Indexes, ModelCatalog, type ObjectScope } from './model-catalog.js';
import type { ModelHost } from './model-host.js';
import { Mutex, type Transaction } from './mutex.js';
import { assertRefName, type RefContext } from './named-refs.js';
import { checkOpenOptions, type OpenOptions } from './open-options.js';
import { EMPTY_TREE, openPosition, type Position, positionOf, reread } from './position.js';
import { resolveAt } from './resolve.js';
import { restoreOps } from './restore.js';
import { committerFor, configuredIdentity, checkSignature, type DefaultIdentity, toPerson } from './signature.js';
import { CommitSnapshot, type TreeReader } from './snapshot.js';
import { type StageOp, StagedTree, type StagingStats } from './staged-tree.js';
import { Tags } from './tags.js';
import { type FetchOptions, type FetchResult, type PushOptions, type PushResult } from './remotes.js';
import { fetchFor, pull, pushFor, sync, type PullOptions, type PullResult, type SyncHost, type SyncOptions, type SyncResult } from './sync.js';
import { LiveSync, type LiveSyncOptions } from './sync-live.js';
import { redoCommit, undoCommit } from './undo.js';
import { REMOTE_NAMESPACES } from './remote-namespaces.js';
import { Streams } from './streams.js';
import { MirroringRemotes } from './mirror.js';

export { EMPTY_TREE };
export { BIND, type Bindable, type ModelBinding, type ModelHost } from './model-host.js';
export type { CommitOptions } from './committer.js';
export type { ObjectScope } from './model-catalog.js';
export type { OpenOptions } from './open-options.js';
export type { Transaction } from './mutex.js';

/** Where a call is made: inside the transaction whose handle it passes (needed where the host has no async context: browsers). */
export interface InTransaction {
  tx?: Transaction;
}

export interface WalkOptions extends ObjectScope, Omit<CommitFilter, 'path'> {
  /** where to start (default: the workspace head) */
  at?: string;
}

export type StagedChange = ObjectChange;

export class Workspace implements ModelHost {
  private readonly catalog = new ModelCatalog();
  private readonly mutex = new Mutex();
  /** the repository, index and position a commit reads and moves */
  private readonly session: Session;
  /** branches of the repository: create, list, delete */
  readonly branches: Branches;
  /** tags: create, list, delete */
  readonly tags: Tags;
  /** commits of the index kept under refs/checkpoints/ */
  readonly checkpoints: Checkpoints;
  /** plain files outside every model's folder, staged and committed with the objects */
  readonly files: Files;
  /** ws.merge() and the merging state */
  private readonly merges: Merges;
  /** the query indexes of the registered models: status, rebuild, check */
  readonly indexes: Indexes;
  /** told after each commit this workspace makes (ws.onCommit) */
  private readonly commitListeners = new Set<(head: string) => void>();
  /** decoded data files of the registered models, by model and blob oid (ModelHost) */
  readonly decodedCache: Lru<string, unknown>;

  private constructor(
    readonly repo: Repository,
    position: Position,
    /** who commits are by when the caller names nobody (OpenOptions.author, else as git would pick) */
    private readonly identity: DefaultIdentity,
    private readonly maxFileSize: number,
    /** every save, delete and restore commits at once (OpenOptions.autoCommit) */
    readonly autoCommit: boolean = false,
    /** Model.find() refuses queries no index answers (OpenOptions.refuseScans) */
    readonly refuseScans: boolean = false,
    /** bytes the caches may hold (OpenOptions.cacheSize): two thirds decoded data files, a third the repository's */
    cacheSize: number,
    /** staged bytes held in memory before they are written ahead of the commit (OpenOptions.stageMemory) */
    stageMemory: number,
  ) {
    this.decodedCache = new Lru((cacheSize * 2) / 3);
    repo.sizeCaches(cacheSize / 3);
    this.session = {
      repo,
      index: new StagedTree(repo, position.head ? position.tree : null, stageMemory),
      position,
      beforeCommit: (tree, parent, head) => this.catalog.beforeCommit(tree, parent, head),
    };
    this.indexes = new Indexes(this.catalog);
    const ws = this;
    const context: RefContext = {
      repo,
      get ref() {
        return ws.ref;
      },
      resolve: (at) => ws.resolve(at),
      who: () => toPerson(ws.identity.committer),
    };
    this.files = new Files({
      get autoCommit() {
        return ws.autoCommit;
      },
      modelAt: (path) => this.catalog.modelAt(path),
      isModelFolder: (path) => this.catalog.isModelFolder(path),
      reader: (at) => this.reader(at),
      exclusive: (task, tx) => this.exclusive(task, tx),
      transaction: (fn, options) => this.transaction(fn, options),
    });
    this.branches = new Branches(context);
    this.tags = new Tags(context);
    this.merges = this.mergesFor(this.session, true);
    this.checkpoints = new Checkpoints(context, () =>
      this.mutex.run(async () => {
        const tree = this.index.treeOid();
        await this.repo.writeObjects(this.index.newObjects());
        this.index.markStored();
        return { tree, parent: this.head };
      }),
    );
  }

  /** Merges over a session (the workspace's own, or pull's scratch one) with this workspace's models, rules and identity. */
  private mergesFor(session: Session, persist = false): Merges {
    return new Merges({
      session,
      objectOf: this.catalog.objectOf,
      owner: (path) => this.catalog.owner(path),
      mergeHooks: (model) => this.catalog.mergeHooks(model),
      models: () => this.catalog.names(),
      scope: (scope) => this.catalog.scope(scope),
      nameOf: (model) => this.catalog.nameOf(model),
      resolve: (rev) => this.resolve(rev),
      who: (options) => this.checkCommit(options),
    }, persist);
  }

  /**
   * A workspace on a repository: a path (a git directory, or a repository with a checkout, on
   * this host's file system; created when absent unless `create: false`), or any storage backend
   * (`new MemoryBackend()`, a GitDirBackend over another FileSystem).
   */
  static async open(target: string | RepositoryBackend, options: OpenOptions = {}): Promise<Workspace> {
    const { maxFileSize, cacheSize, stageMemory } = checkOpenOptions(options);
    let where = typeof target === 'string' ? target : target.describe;
    try {
      const repo =
        typeof target === 'string'
          ? await Repository.open(target, { create: options.create, initialBranch: options.branch, durability: options.durability })
          : Repository.over(target);
      where = repo.backend.describe;
      const headTarget = await repo.refs.symbolicTarget('HEAD');
      const name =
        options.branch ?? (headTarget?.startsWith('refs/heads/') ? headTarget.slice('refs/heads/'.length) : 'main');
      const configured = await configuredIdentity(await repo.config());
      const identity: DefaultIdentity = options.author
        ? { ...configured, author: options.author, committer: committerFor(options.author, configured) }
        : configured;
      // a configured identity git could not use is refused now, not at the first commit
      checkSignature(identity.author);
      checkSignature(identity.committer);
      const position = await openPosition(repo, name, {
        named: options.branch !== undefined,
        createBranch: options.createBranch ?? false,
        orphan: options.orphan ?? false,
        from: options.from,
        who: () => toPerson(identity.committer),
      });
      const ws = new Workspace(repo, position, identity, maxFileSize, options.autoCommit ?? false, options.refuseScans ?? false, cacheSize, stageMemory);
      // a merge left in progress on this branch (by another process, or before a crash): merging again
      await ws.merges.restore();
      return ws;
    } catch (error) {
      // the git directory refuses an unreadable repository at open; a part of it unreadable later too
      const code = (error as { code?: string }).code;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      throw new RepositoryNotFoundError({ path: where, reason: `it cannot be read (${code}: permission denied)` });
    }
  }

  private get index(): StagedTree {
    return this.session.index;
  }

  private get position(): Position {
    return this.session.position;
  }

  /** The branch name (or the tag name, for a read-only workspace). */
  get branch(): string {
    return this.position.name;
  }

  /** The full name of the branch ref (refs/tags/… for a read-only workspace). */
  get ref(): string {
    return this.position.ref;
  }

  /** Opened on a tag: reads work, every write throws ReadOnlyRefError. */
  get readOnly(): boolean {
    return this.position.ref.startsWith('refs/tags/');
  }

  /** The commit the branch pointed at when this workspace last read or moved it (null: unborn). */
  get head(): string | null {
    return this.position.head;
  }

  /** Binds model classes to this workspace, so their static methods (get, all, …) read and write here. */
  register(...classes: Function[]): this {
    this.catalog.register(this, classes);
    return this;
  }

  /** The class registered under a model name. */
  model(name: string): Function {
    return this.catalog.model(name);
  }

  /** True when the staged tree differs from the branch head's tree. */
  hasChanges(): boolean {
    return this.index.treeOid() !== this.position.tree;
  }

  /** What staging holds in memory: bytes of files not yet stored (bounded by OpenOptions.stageMemory), spills made, and the folder and file nodes held. */
  stagingStats(): StagingStats {
    return this.index.stats;
  }

  /**
   * Which objects differ between two revisions, or (by default) between `from` (the head) and
   * the staged index. Only subtrees whose oids differ are read.
   */
  async diff(from?: string, to?: string): Promise<StagedChange[]> {
    const a = from === undefined ? (this.head ? this.position.tree : null) : await this.treeAt(from);
    const b = to === undefined ? this.index.treeOid() : await this.treeAt(to);
    return groupChanges(diffTrees(this.index, a, b), (path) => this.catalog.owner(path));
  }

  /**
   * Commits what is staged (committer.ts): the branch moves only if it still points where this
   * workspace read it; otherwise the staged changes are re-applied on the new head, or a
   * ConflictError leaves them staged. Returns the commit oid, or null if nothing changed. Inside
   * ws.transaction() it returns null at once: the transaction commits when it ends.
   * While merging (ws.merging), it makes the merge commit, parents [ours, theirs] (`message`
   * optional: git's "Merge branch 'x'" by default); UnresolvedConflictsError while conflicts are left.
   */
  async commit(options: Partial<CommitOptions> & InTransaction = {}): Promise<string | null> {
    const inside = this.mutex.held(options.tx);
    if (this.merges.merging && !inside) return this.committed(await this.mutex.run(() => this.merges.commit(options), { action: 'ws.commit()' }));
    const who = this.checkCommit(options);
    if (inside) return null;
    return this.committed(await this.mutex.run(() => commitStaged(this.session, who, options.message!, this.catalog.objectOf), { action: 'ws.commit()' }));
  }

  /**
   * Calls `listener` with the new head after each commit this workspace makes (commit, a save or
   * transaction that commits, a merge commit or fast-forward of ws.merge); returns the function
   * that removes it. What ws.syncLive({ pushOnCommit }) listens to.
   */
  onCommit(listener: (head: string) => void): () => void {
    this.commitListeners.add(listener);
    return () => void this.commitListeners.delete(listener);
  }

  private committed<T extends string | null>(oid: T): T {
    // after the commit has returned, so a listener that throws cannot make it look failed
    if (oid !== null) for (const listener of [...this.commitListeners]) queueMicrotask(() => listener(oid));
    return oid;
  }

  /**
   * Merges a revision (a branch, tag, checkpoint, commit) into this workspace's branch: an
   * up-to-date or fast-forward result moves at most the ref; otherwise a merge commit with parents
   * [head, rev], or conflicts left in the merging state (ws.merging). See docs/MERGE.md.
   */
  async merge(rev: string, options: MergeOptions = {}): Promise<MergeResult> {
    this.assertNoTransaction('ws.merge()');
    const result = await this.mutex.run(() => this.merges.merge(rev, options));
    if (result.commit && !options.dryRun) this.committed(result.commit);
    return result;
  }

  /** The merge in progress: its other side, merge bases and the conflicts left; null when not merging. */
  get merging(): MergingInfo | null {
    return this.merges.merging;
  }

  /**
   * Settles one conflict of the merge in progress in the index (not `resolve`, which turns a
   * revision into a commit oid); returns the conflicts left (an `invalid` one may have appeared).
   */
  resolveConflict(conflict: MergeConflict, choice: MergeChoice): Promise<MergeConflict[]> {
    return this.mutex.run(() => this.merges.resolveConflict(conflict, choice));
  }

  /** Settles every conflict left (or one model's) the same way; returns the conflicts left. */
  resolveAll(choice: MergeChoice, options: { model?: Function | string } = {}): Promise<MergeConflict[]> {
    return this.mutex.run(() => this.merges.resolveAll(choice, options));
  }

  /**
   * Runs `fn` and commits everything staged once it returns, as one commit (with `message`,
   * default "Transaction"); returns its oid, or null when nothing changed. If `fn` throws, or the
   * commit fails (a ConflictError), the index is restored exactly as it was before and nothing is
   * committed. Saves, deletes and commits made by `fn` only stage (a save's `{ commit: true }`
   * included); a transaction inside `fn` joins this one, and its own failure undoes only its
   * changes. The workspace's other writers wait until the transaction ends.
   *
   * `fn` is given the transaction's handle. On a host without async context (a browser) the calls
   * `fn` makes on this workspace must pass it (`page.save({ tx })`, `ws.files.write(p, d, { tx })`,
   * `ws.transaction(f, { tx })`); one that does not is refused with TransactionHandleError, as is
   * any other write while the transaction runs. On Node they find it on their own.
   */
  async transaction(fn: (tx: Transaction) => unknown, options: Partial<CommitOptions> & InTransaction = {}): Promise<string | null> {
    const message = options.message ?? 'Transaction';
    const who = this.checkCommit({ ...options, message });
    const nested = this.mutex.held(options.tx);
    if (!nested) this.merges.assertNotMerging('commit a transaction (or a save with { commit: true }); saves stage meanwhile, ws.commit() makes the merge commit');
    return this.mutex.run(
      async (tx) => {
        const position = this.position;
        const savepoint = this.index.savepoint();
        try {
          await fn(tx!);
          const oid = nested ? null : await commitStaged(this.session, who, message, this.catalog.objectOf);
          savepoint.release();
          return this.committed(oid);
        } catch (error) {
          savepoint.rollback();
          this.session.position = position;
          // the error's message must say what became of the staged changes: this transaction's own were unstaged
          if (!nested && error instanceof ConflictError) throw new ConflictError({ ...error.data, staged: 'unstaged' });
          if (!nested && error instanceof StaleBranchError) throw new StaleBranchError({ ...error.data, staged: 'unstaged' });
          throw error;
        }
      },
      { reentrant: true, tx: options.tx, action: 'ws.transaction()' },
    );
  }

  /** Refuses a move of the workspace or its branch that a transaction could not undo. */
  private assertNoTransaction(action: string): void {
    if (this.mutex.held()) throw new ConfigurationError(`${action} cannot run inside ws.transaction(): do it before or after`);
  }

  /**
   * Removes ref lock files (`<ref>.lock`, `packed-refs.lock`) left by writers that died: those
   * older than `olderThanMs` (default 10 s; git holds a lock for milliseconds). Returns their paths
   * in the repository. Lower the age only when no other writer can be running.
   */
  clearStaleLocks(options: { olderThanMs?: number } = {}): Promise<string[]> {
    return this.repo.clearStaleLocks(options.olderThanMs);
  }

  /**
   * Checks commit options without committing, so a save or delete that is to be committed can be
   * refused before it stages anything.
   */
  checkCommit(options: Partial<CommitOptions>): ReturnType<typeof whoCommits> {
    assertWritable(this.position);
    return whoCommits(this.identity, options);
  }

  /**
   * Packs the repository as `git gc` would, keeping every object: all packs and loose objects
   * become one pack. Commits already merge small packs automatically past 16 packs.
   */
  maintain(): Promise<{ packsMerged: number; looseObjectsPacked: number; packs: number }> {
    return this.mutex.run(() => this.repo.maintain({ full: true }));
  }

  /** Drops every staged change, and reads the branch as it is now (another writer may have moved it); aborts a merge in progress. */
  discard(): Promise<void> {
    return this.mutex.run(async () => {
      await this.merges.abort();
      this.moveTo(await reread(this.repo, this.position));
    });
  }

  /** Moves this workspace to another existing branch (or, read-only, a tag); staged changes must be committed or discarded. */
  async switch(name: string, options: { discard?: boolean } = {}): Promise<void> {
    assertRefName(name, branchNameProblem);
    this.assertNoTransaction('ws.switch()');
    this.merges.assertNotMerging(`switch to ${name}`);
    return this.mutex.run(async () => {
      if (this.hasChanges() && !options.discard) throw new StagedChangesError({ branch: this.branch, action: `switch to ${name}` });
      this.moveTo(await positionOf(this.repo, name, true));
    });
  }

  /** Moves the branch back to its head's first parent; redo() moves it forward again. Returns the new head. */
  undo(): Promise<string> {
    return this.moveBranch('undo', undoCommit);
  }

  /** Moves the branch forward to the commit undone last, if the branch is still where undo left it. */
  redo(): Promise<string> {
    return this.moveBranch('redo', redoCommit);
  }

  private moveBranch(action: string, move: typeof undoCommit): Promise<string> {
    this.assertNoTransaction(`ws.${action}()`);
    return this.mutex.run(async () => {
      this.merges.assertNotMerging(action);
      if (this.hasChanges()) throw new StagedChangesError({ branch: this.branch, action });
      await assertMovable(this.session);
      const oid = await move(this.repo, this.branch, this.head, toPerson(this.identity.committer));
      this.moveTo({ ...this.position, head: oid, tree: (await this.repo.readCommit(oid)).tree });
      return oid;
    });
  }

  private moveTo(position: Position): void {
    this.session.position = position;
    this.index.reset(position.head ? position.tree : null);
  }

  /**
   * Stages every object (or one model's, or one object) as it was at `from` — a commit, branch,
   * tag or checkpoint — as a new change: objects absent then are staged as deleted. Returns what
   * it staged, object by object.
   */
  async restore(options: ObjectScope & { from: string } & InTransaction): Promise<StagedChange[]> {
    assertWritable(this.position);
    const from = await this.treeAt(options.from);
    const { path, keep } = this.catalog.scope(options);
    return this.exclusive(async (stage) => {
      const { ops, changes } = await restoreOps(this.repo, this.index.readTree, this.index.treeOid(), from, path, keep);
      await stage(ops);
      return groupChanges(changes, (p) => this.catalog.owner(p));
    }, options.tx);
  }

  /** Commits newest first, from the head (or `at`), filtered by object, author, message and time. */
  async *walk(options: WalkOptions = {}): AsyncGenerator<CommitInfo> {
    const path = options.model !== undefined || options.id !== undefined ? this.catalog.scope(options).path : undefined;
    const start = options.at !== undefined ? await this.resolve(options.at) : this.head;
    if (!start) return;
    for await (const commit of walkFiltered(this.repo, start, { ...options, path })) yield commitInfo(commit);
  }

  /**
   * A commit oid for a revision; `HEAD` is this workspace's branch. A checkpoint may be named
   * without its namespace, after every branch, tag and oid; a fetched checkpoint or stream as
   * `<remote>/checkpoints/<name>` or `<remote>/streams/<machine>/<branch>` (refs/gitmodel/remotes/,
   * after a remote branch of that name).
   */
  resolve(at: string): Promise<string> {
    return resolveAt(this.repo, at, this.ref);
  }

  private async treeAt(at: string): Promise<string> {
    return (await this.repo.readCommit(await this.resolve(at))).tree;
  }

  /** Files of one stored tree. */
  snapshot(tree: string): TreeReader {
    return new CommitSnapshot(this.repo, tree);
  }

  /** Whether an object with this oid exists: in the repository, or staged and not yet written. */
  async hasObject(oid: string): Promise<boolean> {
    return (await this.repo.hasObject(oid)) || this.index.newObjects().some((o) => o.oid === oid);
  }

  /** The root tree as staged (no `at`), or as of a revision; null for an unborn branch with nothing staged. */
  async rootTree(at?: string): Promise<string | null> {
    if (at !== undefined) return this.treeAt(at);
    const tree = this.index.treeOid();
    return tree === EMPTY_TREE && !this.head ? null : tree;
  }

  /** Reads a tree by oid, stored or only staged. */
  get readTree(): StagedTree['readTree'] {
    return this.index.readTree;
  }

  /** A tree's raw bytes by oid, stored or only staged. */
  get readRawTree(): StagedTree['readRawTree'] {
    return this.index.readRawTree;
  }

  /** Which entries of a large folder changed from one staged version to another, when staging knows. */
  get knownChanges(): StagedTree['knownChanges'] {
    return this.index.knownChanges;
  }

  /** The staged index as a reader: what reads without `at` see. */
  get staged(): TreeReader {
    return this.index;
  }

  /** Files as staged (no `at`) or as of a revision. */
  async reader(at?: string): Promise<TreeReader> {
    if (at === undefined) return this.index;
    return new CommitSnapshot(this.repo, await this.treeAt(at));
  }

  /** Runs a read-check-write step on the index with no other save, delete or commit in between. */
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>, tx?: Transaction): Promise<T> {
    return this.mutex.run(() => {
      assertWritable(this.position);
      return task((ops) => {
        for (const op of ops) {
          if ('data' in op && op.data.length > this.maxFileSize) {
            throw new FileTooLargeError({ path: op.path, size: op.data.length, limit: this.maxFileSize });
          }
        }
        return this.index.apply(ops);
      });
    }, { tx, action: 'a save, delete, restore or file write' });
  }

  /**
   * A name beside the path (in its folder, staged changes included) that a case-insensitive or
   * normalization-insensitive disk would take for the path's own: two objects that one checkout
   * on macOS or Windows could not hold apart.
   */
  caseTwin(path: string): Promise<string | undefined> {
    return this.index.caseTwin(path);
  }

  /** The remotes in the repository's config (`git remote -v` sees the same), and mirror backup / restore. */
  get remotes(): MirroringRemotes {
    return new MirroringRemotes(this);
  }

  /**
   * Fetches from a remote (smart HTTP, a local path or file://; default: the branch's upstream
   * remote, else origin): objects verified and stored first, then each remote-tracking ref moved
   * by compare-and-swap (`prune`: those whose source is gone deleted). Nothing else changes.
   */
  fetch(options: FetchOptions = {}): Promise<FetchResult> {
    return fetchFor(this.syncHost(), options);
  }

  /** This machine's stream of the branch on a remote, and the other machines' (git-pulsar): publish, fetch, list, merge. */
  get streams(): Streams {
    return new Streams(this);
  }

  /**
   * Pushes the branch (to its upstream's branch when one is set, else the same name), or `refs`;
   * the server applies each update only if its ref did not move.
   */
  push(options: PushOptions = {}): Promise<PushResult> {
    return pushFor(this.syncHost(), options);
  }

  /**
   * Fetches the branch's upstream and merges it into the branch (as `git pull`): see docs/SYNC.md
   * for what becomes of staged changes (`result.staged`). Conflicts leave the workspace merging.
   */
  async pull(options: PullOptions = {}): Promise<PullResult> {
    this.assertNoTransaction('ws.pull()');
    const result = await pull(this.syncHost(), options);
    if (result.commit && result.status !== 'up-to-date') this.committed(result.commit);
    return result;
  }

  /**
   * Pull, then push the branch to its upstream; a push refused because the remote moved starts
   * another round (up to `retries`, then StaleRemoteError). Conflicts the rules leave throw
   * MergeConflictError with nothing changed but remote-tracking refs (onConflict 'stop').
   */
  sync(options: SyncOptions = {}): Promise<SyncResult> {
    this.assertNoTransaction('ws.sync()');
    return sync(this.syncHost(), options);
  }

  /** ws.sync() on a schedule, on trigger() and after commits, with events (an EventTarget): see docs/SYNC.md. */
  syncLive(options: LiveSyncOptions = {}): LiveSync {
    return new LiveSync({ sync: (o) => this.sync(o), onCommit: (listener) => this.onCommit(listener) }, options);
  }

  private syncHost(): SyncHost {
    return {
      session: this.session,
      merges: this.merges,
      mergesFor: (session) => this.mergesFor(session),
      objectOf: this.catalog.objectOf,
      exclusive: (task) => this.mutex.run(task),
    };
  }
}
