// A workspace: one branch of one repository (or, read-only, one tag), with an in-memory index of
// staged changes over the head. Objects are written and the branch moves only on commit; the
// repository's own index file and working tree are never touched. Branches, tags, checkpoints,
// undo and restore live in their own files; the methods here are thin.
import { resolve } from 'node:path';
import {
  BranchCheckedOutError,
  ConfigurationError,
  ConflictError,
  FileTooLargeError,
  ReadOnlyRefError,
  RefNotFoundError,
  RepositoryNotFoundError,
  StagedChangesError,
  StaleBranchError,
  UnknownModelError,
} from '../errors.js';
import type { Person } from '../git/commit.js';
import { serializeCommit } from '../git/commit.js';
import { hashObject } from '../git/object-store.js';
import { branchNameProblem } from '../git/ref-names.js';
import { Repository } from '../git/repository.js';
import type { Durability } from '../git/durable-write.js';
import { diffTrees } from '../git/tree-diff.js';
import { commitInfo, type CommitInfo } from '../history/commit-info.js';
import { type CommitFilter, walkFiltered } from '../history/commit-walk.js';
import { groupChanges, type ObjectChange } from '../history/object-changes.js';
import { Branches } from './branches.js';
import { Checkpoints } from './checkpoints.js';
import { Files } from './files.js';
import { BIND, type Bindable, type ModelBinding, type ModelHost } from './model-host.js';
import { Mutex } from './mutex.js';
import { assertRefName, type RefContext } from './named-refs.js';
import { EMPTY_TREE, openPosition, type Position, positionOf, reread } from './position.js';
import { type ObjectOf, rebaseIndex } from './rebase.js';
import { restoreOps } from './restore.js';
import { committerFor, configuredIdentity, type DefaultIdentity, type Signature, toPerson } from './signature.js';
import { CommitSnapshot, type TreeReader } from './snapshot.js';
import { type StageOp, StagedTree } from './staged-tree.js';
import { Tags } from './tags.js';
import { clearRedo, redoCommit, undoCommit } from './undo.js';

export { EMPTY_TREE };

export { BIND, type Bindable, type ModelBinding, type ModelHost } from './model-host.js';

export interface OpenOptions {
  /** create a bare repository when the path holds none (default true) */
  create?: boolean;
  /** the branch to read and commit (default: the one HEAD names, else `main`); a tag opens read-only */
  branch?: string;
  /** the default author of this workspace's commits (default: the author git would use: GIT_AUTHOR_NAME
   *  and GIT_AUTHOR_EMAIL, else author.* and user.* from the repository's, the user's and the system's
   *  config, else EMAIL; `gitmodel <gitmodel@localhost>` where git would find nothing) */
  author?: Signature;
  /**
   * 'fsync' (default): every object file and ref is flushed to disk before it is renamed into
   * place, and its directory after, so a commit that returned survives a power cut (see
   * docs/GUARANTEES.md). 'atomic': files are still written
   * whole and renamed into place (a killed process never corrupts the repository), but flushing
   * is left to the operating system, as git does by default for loose objects and refs; several
   * times faster per commit.
   */
  durability?: Durability;
  /** the largest file (a data file or a blob field's file) a save may stage, in bytes (default 100 MiB) */
  maxFileSize?: number;
  /**
   * A `branch` that does not exist in a repository with commits is a RefNotFoundError (a typo
   * would otherwise start an unrelated history); with `createBranch: true` it is created, at
   * `from` (any revision) or at HEAD's commit. An empty repository's first commit creates it anyway.
   */
  createBranch?: boolean;
  /** where `createBranch` creates the branch (default: HEAD's commit) */
  from?: string;
  /**
   * A missing `branch` is opened unborn, with no history of its own, and its first commit has no
   * parent (as `git switch --orphan`): a data branch beside a project's code, say.
   */
  orphan?: boolean;
  /**
   * Every save(), delete() and restore() is its own commit, as if `{ commit: true }` were given
   * (default false: they only stage, and ws.commit() commits). Inside ws.transaction() they still
   * only stage; the transaction commits once.
   */
  autoCommit?: boolean;
}

/** git-pulsar's large-file guard: a repository is no place for files this large. */
const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
/** How often one commit re-applies its changes on a branch that keeps moving before it gives up. */
const MAX_COMMIT_ATTEMPTS = 10;

export interface CommitOptions {
  message: string;
  author?: Signature;
  /** default: the author when one is given (here or to Workspace.open), GIT_COMMITTER_NAME and
   *  GIT_COMMITTER_EMAIL taking the place of its name and email when set; else the committer git
   *  would use (GIT_COMMITTER_*, committer.*, user.* from the config, EMAIL) */
  committer?: Signature;
}

/** One model's objects, or one object, as walk() and restore() take them. */
export interface ObjectScope {
  /** a model class or its name */
  model?: Function | string;
  /** one object of that model */
  id?: string;
}

export interface WalkOptions extends ObjectScope, Omit<CommitFilter, 'path'> {
  /** where to start (default: the workspace head) */
  at?: string;
}

export type StagedChange = ObjectChange;

export class Workspace implements ModelHost {
  private readonly models = new Map<string, { cls: Function; binding: ModelBinding }>();
  private readonly mutex = new Mutex();
  private readonly index: StagedTree;
  /** branches of the repository: create, list, delete */
  readonly branches: Branches;
  /** tags: create, list, delete */
  readonly tags: Tags;
  /** commits of the index kept under refs/checkpoints/ */
  readonly checkpoints: Checkpoints;
  /** plain files outside every model's folder, staged and committed with the objects */
  readonly files: Files;

  private constructor(
    readonly repo: Repository,
    private position: Position,
    /** who commits are by when the caller names nobody (OpenOptions.author, else as git would pick) */
    private readonly identity: DefaultIdentity,
    private readonly maxFileSize: number,
    /** every save, delete and restore commits at once (OpenOptions.autoCommit) */
    readonly autoCommit: boolean = false,
  ) {
    this.index = new StagedTree(repo, position.head ? position.tree : null);
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
      modelAt: (path) => this.modelAt(path),
      isModelFolder: (path) => [...this.models.values()].some(({ binding }) => binding.folder !== '' && binding.folder === path),
      reader: (at) => this.reader(at),
      exclusive: (task) => this.exclusive(task),
      transaction: (fn, options) => this.transaction(fn, options),
    });
    this.branches = new Branches(context);
    this.tags = new Tags(context);
    this.checkpoints = new Checkpoints(context, () =>
      this.mutex.run(async () => {
        const tree = this.index.treeOid();
        await this.repo.objects.write(this.index.newObjects());
        this.index.markStored();
        return { tree, parent: this.head };
      }),
    );
  }

  static async open(path: string, options: OpenOptions = {}): Promise<Workspace> {
    if (options.branch !== undefined) assertRefName(options.branch, branchNameProblem);
    if (options.author) toPerson(options.author); // checked before anything is created
    if (options.durability !== undefined && !['fsync', 'atomic'].includes(options.durability)) {
      throw new ConfigurationError(`durability is 'fsync' or 'atomic', not ${JSON.stringify(options.durability)}`);
    }
    if (options.from !== undefined && !options.createBranch) {
      throw new ConfigurationError('from says where createBranch creates the branch: give { branch, createBranch: true, from }');
    }
    if (options.orphan && (options.createBranch || options.branch === undefined)) {
      throw new ConfigurationError('orphan opens a missing branch with no history: give { branch, orphan: true } without createBranch');
    }
    const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    if (typeof maxFileSize !== 'number' || !(maxFileSize > 0) || (!Number.isInteger(maxFileSize) && maxFileSize !== Infinity)) {
      throw new ConfigurationError(`maxFileSize is a number of bytes above 0 (or Infinity), not ${String(maxFileSize)}`);
    }
    try {
      const repo = await Repository.open(path, { create: options.create, initialBranch: options.branch, durability: options.durability });
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
      return new Workspace(repo, position, identity, maxFileSize, options.autoCommit ?? false);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') throw error;
      throw new RepositoryNotFoundError({ path: resolve(path), reason: `it cannot be read (${code}: permission denied)` });
    }
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
    const accepted = new Map<string, { cls: Function; binding: ModelBinding }>();
    for (const cls of classes) {
      const hook = (cls as unknown as Partial<Bindable>)[BIND];
      if (typeof hook !== 'function') {
        throw new ConfigurationError(`${cls.name} is not a model class: declare it as "class ${cls.name} extends Model"`, {
          model: cls.name,
        });
      }
      const binding = hook.call(cls, this);
      const existing = accepted.get(binding.name) ?? this.models.get(binding.name);
      if (existing && existing.cls !== cls) {
        throw new ConfigurationError(
          `${cls.name} and ${existing.cls.name} both use the model name "${binding.name}": give one another name with @Model({ name })`,
          { model: binding.name },
        );
      }
      accepted.set(binding.name, { cls, binding });
    }
    // all or nothing: a rejected class list binds none of them
    for (const [name, entry] of accepted) {
      entry.binding.attach();
      this.models.set(name, entry);
    }
    return this;
  }

  /** The class registered under a model name. */
  model(name: string): Function {
    const entry = this.models.get(name);
    if (!entry) throw new UnknownModelError({ model: name });
    return entry.cls;
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
    return groupChanges(diffTrees(this.index.readTree, a, b), (path) => this.owner(path));
  }

  /** The model a path belongs to: inside its objects' folder, or where its layout puts an object. */
  private modelAt(path: string): string | undefined {
    for (const { binding } of this.models.values()) {
      if (binding.folder !== '' && (path === binding.folder || path.startsWith(`${binding.folder}/`))) return binding.name;
      if (binding.locate(path)) return binding.name;
    }
    return undefined;
  }

  private owner(path: string): { model: string; id: string; data: boolean } | undefined {
    let owner: { model: string; id: string; data: boolean } | undefined;
    for (const { binding } of this.models.values()) {
      const hit = binding.locate(path);
      if (hit) owner = { model: binding.name, ...hit };
    }
    return owner;
  }

  /**
   * Commits what is staged: writes the new blobs and trees and a commit, then moves the branch if
   * it still points where this workspace read it. If another writer moved it meanwhile, the staged
   * changes are re-applied on its new head and committed on top, unless the other commits changed
   * one of the same objects (ConflictError, nothing committed, the staged changes kept). Returns
   * the commit oid, or null if nothing changed. Inside ws.transaction() it returns null at once:
   * the transaction commits when it ends.
   */
  async commit(options: CommitOptions): Promise<string | null> {
    const who = this.checkCommit(options);
    if (this.mutex.held()) return null;
    return this.mutex.run(() => this.commitStaged(who, options.message));
  }

  private async commitStaged({ author, committer }: { author: Person; committer: Person }, message: string): Promise<string | null> {
    if (this.index.treeOid() === this.position.tree) return null;
    await this.assertMovable();
    for (let attempt = 1; ; attempt++) {
      // catch up before writing anything, so a conflict leaves the repository untouched
      const actual = await this.repo.refs.read(this.ref);
      if (actual !== this.head) {
        if (!actual || attempt > MAX_COMMIT_ATTEMPTS) throw new StaleBranchError({ branch: this.branch, expected: this.head, actual });
        await this.rebase(actual);
      }
      const tree = this.index.treeOid();
      const content = serializeCommit({ tree, parents: this.head ? [this.head] : [], author, committer, message });
      const oid = hashObject('commit', content);
      await this.repo.objects.write([...this.index.newObjects(), { type: 'commit', oid, content }]);
      try {
        await this.repo.refs.update(this.ref, oid, this.head, committer, `commit: ${message}`);
      } catch (error) {
        // moved between the read and the update: this attempt's objects stay unreferenced (git
        // fsck calls them dangling, git gc prunes them), and the next attempt catches up
        if (error instanceof StaleBranchError) continue;
        throw error;
      }
      this.index.markStored();
      this.position = { ...this.position, head: oid, tree };
      // housekeeping: redo is refused anyway once the branch moved past the stack, so a failure
      // here must not make a commit that happened look as if it had not
      await clearRedo(this.repo, this.branch).catch(() => {});
      return oid;
    }
  }

  /** Re-applies the staged changes on the branch's new head (ConflictError when they collide) and reads from there. */
  private async rebase(actual: string): Promise<void> {
    const onto = (await this.repo.readCommit(actual)).tree;
    const base = this.head ? this.position.tree : null;
    await rebaseIndex(this.index, { branch: this.branch, expected: this.head, base, actual, onto }, this.objectOf);
    this.position = { ...this.position, head: actual, tree: onto };
  }

  /** The object a path belongs to, by the registered layouts; a file outside them is its own object. */
  private readonly objectOf: ObjectOf = (path) => {
    const hit = this.owner(path);
    if (!hit) return { model: null, id: null, root: path };
    return { model: hit.model, id: hit.id, root: this.models.get(hit.model)!.binding.root(hit.id) };
  };

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
    return this.mutex.run(
      async () => {
        const position = this.position;
        const savepoint = this.index.savepoint();
        try {
          await fn();
          const oid = nested ? null : await this.commitStaged(who, message);
          savepoint.release();
          return oid;
        } catch (error) {
          savepoint.rollback();
          this.position = position;
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
    return this.repo.refs.clearStaleLocks(options.olderThanMs);
  }

  /**
   * Checks commit options without committing, so a save or delete that is to be committed can be
   * refused before it stages anything.
   */
  checkCommit(options: Partial<CommitOptions>): { author: Person; committer: Person } {
    this.assertWritable();
    if (typeof options?.message !== 'string') throw new ConfigurationError('a commit needs a message (a string)');
    // as git does: the committer is GIT_COMMITTER_* or the configured identity, unless the caller
    // names the author, who then commits too (GIT_COMMITTER_* still taking their place)
    const author = options.author ?? this.identity.author;
    const committer = options.committer ?? (options.author ? committerFor(options.author, this.identity) : this.identity.committer);
    const now = new Date();
    return { author: toPerson({ ...author, date: author.date ?? now }), committer: toPerson({ ...committer, date: committer.date ?? now }) };
  }

  private assertWritable(): void {
    if (this.readOnly) throw new ReadOnlyRefError({ ref: this.branch });
  }

  /** Refuses to move a tag, or a branch that a working tree has checked out. */
  private async assertMovable(): Promise<void> {
    this.assertWritable();
    const where = (await this.repo.checkedOut()).get(this.ref);
    if (where) throw new BranchCheckedOutError({ branch: this.branch, path: where });
  }

  /**
   * Packs the repository as `git gc` would, keeping every object: all packs and loose objects
   * become one pack. Commits already merge small packs automatically past 16 packs.
   */
  maintain(): Promise<{ packsMerged: number; looseObjectsPacked: number; packs: number }> {
    return this.mutex.run(() => this.repo.objects.maintain({ full: true }));
  }

  /** Drops every staged change, and reads the branch as it is now (another writer may have moved it). */
  discard(): Promise<void> {
    return this.mutex.run(async () => this.moveTo(await reread(this.repo, this.position)));
  }

  /** Moves this workspace to another existing branch (or, read-only, a tag); staged changes must be committed or discarded. */
  async switch(name: string, options: { discard?: boolean } = {}): Promise<void> {
    assertRefName(name, branchNameProblem);
    this.assertNoTransaction('ws.switch()');
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
      if (this.hasChanges()) throw new StagedChangesError({ branch: this.branch, action });
      await this.assertMovable();
      const oid = await move(this.repo, this.branch, this.head, toPerson(this.identity.committer));
      this.moveTo({ ...this.position, head: oid, tree: (await this.repo.readCommit(oid)).tree });
      return oid;
    });
  }

  private moveTo(position: Position): void {
    this.position = position;
    this.index.reset(position.head ? position.tree : null);
  }

  /**
   * Stages every object (or one model's, or one object) as it was at `from` — a commit, branch,
   * tag or checkpoint — as a new change: objects absent then are staged as deleted. Returns what
   * it staged, object by object.
   */
  async restore(options: ObjectScope & { from: string }): Promise<StagedChange[]> {
    this.assertWritable();
    const from = await this.treeAt(options.from);
    const { path, keep } = this.scope(options);
    return this.exclusive(async (stage) => {
      const { ops, changes } = await restoreOps(this.repo, this.index.readTree, this.index.treeOid(), from, path, keep);
      await stage(ops);
      return groupChanges(changes, (p) => this.owner(p));
    });
  }

  /** Commits newest first, from the head (or `at`), filtered by object, author, message and time. */
  async *walk(options: WalkOptions = {}): AsyncGenerator<CommitInfo> {
    const path = options.model !== undefined || options.id !== undefined ? this.scope(options).path : undefined;
    const start = options.at !== undefined ? await this.resolve(options.at) : this.head;
    if (!start) return;
    for await (const commit of walkFiltered(this.repo, start, { ...options, path })) yield commitInfo(commit);
  }

  /** The path (and, for a whole model, the filter) that an object scope covers. */
  private scope(scope: ObjectScope): { path: string; keep?: (path: string) => boolean } {
    if (scope.model === undefined) {
      if (scope.id !== undefined) throw new ConfigurationError('an id needs its model: { model: Page, id }');
      return { path: '' };
    }
    const { binding } = this.bindingOf(scope.model);
    if (scope.id !== undefined) return { path: binding.root(scope.id) };
    return { path: binding.folder, keep: (path) => binding.locate(path) !== undefined };
  }

  private bindingOf(model: Function | string): { cls: Function; binding: ModelBinding } {
    if (typeof model === 'string') {
      const entry = this.models.get(model);
      if (entry) return entry;
    } else {
      for (const entry of this.models.values()) if (entry.cls === model) return entry;
    }
    const name = typeof model === 'string' ? model : model.name;
    throw new UnknownModelError({ model: name });
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
    return (await this.repo.objects.has(oid)) || this.index.newObjects().some((o) => o.oid === oid);
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
      this.assertWritable();
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
}
