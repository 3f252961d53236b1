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
  RefNotFoundError,
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
import { ModelCatalog, type ObjectScope } from './model-catalog.js';
import type { ModelHost } from './model-host.js';
import { Mutex } from './mutex.js';
import { assertRefName, type RefContext } from './named-refs.js';
import { checkOpenOptions, type OpenOptions } from './open-options.js';
import { EMPTY_TREE, openPosition, type Position, positionOf, reread } from './position.js';
import { restoreOps } from './restore.js';
import { committerFor, configuredIdentity, type DefaultIdentity, toPerson } from './signature.js';
import { CommitSnapshot, type TreeReader } from './snapshot.js';
import { type StageOp, StagedTree } from './staged-tree.js';
import { Tags } from './tags.js';
import { fetchRemote, pushRemote, Remotes, type FetchOptions, type FetchResult, type PushOptions, type PushResult } from './remotes.js';
import { redoCommit, undoCommit } from './undo.js';

export { EMPTY_TREE };
export { BIND, type Bindable, type ModelBinding, type ModelHost } from './model-host.js';
export type { CommitOptions } from './committer.js';
export type { ObjectScope } from './model-catalog.js';
export type { OpenOptions } from './open-options.js';

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
  /** decoded data files of the registered models, by model and blob oid (ModelHost) */
  readonly decodedCache: Lru<string, unknown>;

  private constructor(
    readonly repo: Repository,
    position: Position,
    /** who commits are by when the caller names nobody (OpenOptions.author, else as git would pick) */
    private readonly identity: DefaultIdentity,
    private readonly maxFileSize: number,
    /** every save, delete and restore commits at once (OpenOptions.autoCommit) */
    readonly autoCommit: boolean,
    /** bytes the caches may hold (OpenOptions.cacheSize): two thirds decoded data files, a third the repository's */
    cacheSize: number,
  ) {
    this.decodedCache = new Lru((cacheSize * 2) / 3);
    repo.sizeCaches(cacheSize / 3);
    this.session = { repo, index: new StagedTree(repo, position.head ? position.tree : null), position };
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
      exclusive: (task) => this.exclusive(task),
      transaction: (fn, options) => this.transaction(fn, options),
    });
    this.branches = new Branches(context);
    this.tags = new Tags(context);
    this.merges = new Merges({
      session: this.session,
      objectOf: this.catalog.objectOf,
      owner: (path) => this.catalog.owner(path),
      mergeHooks: (model) => this.catalog.mergeHooks(model),
      nameOf: (model) => this.catalog.nameOf(model),
      resolve: (rev) => this.resolve(rev),
      who: (options) => this.checkCommit(options),
    });
    this.checkpoints = new Checkpoints(context, () =>
      this.mutex.run(async () => {
        const tree = this.index.treeOid();
        await this.repo.writeObjects(this.index.newObjects());
        this.index.markStored();
        return { tree, parent: this.head };
      }),
    );
  }

  /**
   * A workspace on a repository: a path (a git directory, or a repository with a checkout, on
   * this host's file system; created when absent unless `create: false`), or any storage backend
   * (`new MemoryBackend()`, a GitDirBackend over another FileSystem).
   */
  static async open(target: string | RepositoryBackend, options: OpenOptions = {}): Promise<Workspace> {
    const { maxFileSize, cacheSize } = checkOpenOptions(options);
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
      toPerson(identity.author);
      toPerson(identity.committer);
      const position = await openPosition(repo, name, {
        named: options.branch !== undefined,
        createBranch: options.createBranch ?? false,
        orphan: options.orphan ?? false,
        from: options.from,
        who: () => toPerson(identity.committer),
      });
      return new Workspace(repo, position, identity, maxFileSize, options.autoCommit ?? false, cacheSize);
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

  /**
   * Which objects differ between two revisions, or (by default) between `from` (the head) and
   * the staged index. Only subtrees whose oids differ are read.
   */
  async diff(from?: string, to?: string): Promise<StagedChange[]> {
    const a = from === undefined ? (this.head ? this.position.tree : null) : await this.treeAt(from);
    const b = to === undefined ? this.index.treeOid() : await this.treeAt(to);
    return groupChanges(diffTrees(this.index.readTree, a, b), (path) => this.catalog.owner(path));
  }

  /**
   * Commits what is staged (committer.ts): the branch moves only if it still points where this
   * workspace read it; otherwise the staged changes are re-applied on the new head, or a
   * ConflictError leaves them staged. Returns the commit oid, or null if nothing changed. Inside
   * ws.transaction() it returns null at once: the transaction commits when it ends.
   * While merging (ws.merging), it makes the merge commit, parents [ours, theirs] (`message`
   * optional: git's "Merge branch 'x'" by default); UnresolvedConflictsError while conflicts are left.
   */
  async commit(options: Partial<CommitOptions> = {}): Promise<string | null> {
    if (this.merges.merging && !this.mutex.held()) return this.mutex.run(() => this.merges.commit(options));
    const who = this.checkCommit(options);
    if (this.mutex.held()) return null;
    return this.mutex.run(() => commitStaged(this.session, who, options.message!, this.catalog.objectOf));
  }

  /**
   * Merges a revision (a branch, tag, checkpoint, commit) into this workspace's branch: an
   * up-to-date or fast-forward result moves at most the ref; otherwise a merge commit with parents
   * [head, rev], or conflicts left in the merging state (ws.merging). See docs/MERGE.md.
   */
  merge(rev: string, options: MergeOptions = {}): Promise<MergeResult> {
    this.assertNoTransaction('ws.merge()');
    return this.mutex.run(() => this.merges.merge(rev, options));
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
   */
  async transaction(fn: () => unknown, options: Partial<CommitOptions> = {}): Promise<string | null> {
    const message = options.message ?? 'Transaction';
    const who = this.checkCommit({ ...options, message });
    const nested = this.mutex.held();
    if (!nested) this.merges.assertNotMerging('commit a transaction (or a save with { commit: true }); saves stage meanwhile, ws.commit() makes the merge commit');
    return this.mutex.run(
      async () => {
        const position = this.position;
        const savepoint = this.index.savepoint();
        try {
          await fn();
          const oid = nested ? null : await commitStaged(this.session, who, message, this.catalog.objectOf);
          savepoint.release();
          return oid;
        } catch (error) {
          savepoint.rollback();
          this.session.position = position;
          // the error's message must say what became of the staged changes: this transaction's own were unstaged
          if (!nested && error instanceof ConflictError) throw new ConflictError({ ...error.data, staged: 'unstaged' });
          if (!nested && error instanceof StaleBranchError) throw new StaleBranchError({ ...error.data, staged: 'unstaged' });
          throw error;
        }
      },
      { reentrant: true },
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
      this.merges.abort();
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
  async restore(options: ObjectScope & { from: string }): Promise<StagedChange[]> {
    assertWritable(this.position);
    const from = await this.treeAt(options.from);
    const { path, keep } = this.catalog.scope(options);
    return this.exclusive(async (stage) => {
      const { ops, changes } = await restoreOps(this.repo, this.index.readTree, this.index.treeOid(), from, path, keep);
      await stage(ops);
      return groupChanges(changes, (p) => this.catalog.owner(p));
    });
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
   * without its namespace, after every branch, tag and oid.
   */
  async resolve(at: string): Promise<string> {
    try {
      return await this.repo.resolve(at, this.ref);
    } catch (error) {
      if (!(error instanceof RefNotFoundError)) throw error;
      return this.repo.resolve(`checkpoints/${at}`).catch(() => Promise.reject(error));
    }
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
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>): Promise<T> {
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
    });
  }

  /**
   * A name beside the path (in its folder, staged changes included) that a case-insensitive or
   * normalization-insensitive disk would take for the path's own: two objects that one checkout
   * on macOS or Windows could not hold apart.
   */
  caseTwin(path: string): Promise<string | undefined> {
    return this.index.caseTwin(path);
  }

  /** The remotes in the repository's config (`git remote -v` sees the same). */
  get remotes(): Remotes {
    return new Remotes(this.repo);
  }

  /**
   * Fetches from a remote (smart HTTP, a local path or file://): objects verified and stored
   * first, then each remote-tracking ref moved by compare-and-swap. Nothing else changes.
   */
  fetch(options: FetchOptions = {}): Promise<FetchResult> {
    return fetchRemote(this.repo, options);
  }

  /** Pushes the branch (or `refs`) to a remote; the server applies each update only if its ref did not move. */
  push(options: PushOptions = {}): Promise<PushResult> {
    return pushRemote(this.repo, this.ref, options);
  }
}
