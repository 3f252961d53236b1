// A workspace: one branch of one repository, with an in-memory index of staged changes over the
// branch head. Objects are written and the branch moves only on commit; the repository's own
// index file and working tree are never touched.
import { ConfigurationError, InvalidRefNameError, UnknownModelError, BranchCheckedOutError } from '../errors.js';
import type { Commit, Person } from '../git/commit.js';
import { serializeCommit } from '../git/commit.js';
import { walkCommits } from '../git/log.js';
import { hashObject } from '../git/object-store.js';
import { branchNameProblem } from '../git/ref-names.js';
import { Repository } from '../git/repository.js';
import { diffTrees } from '../git/tree-diff.js';
import { Mutex } from './mutex.js';
import { configuredSignature, DEFAULT_SIGNATURE, type Signature, toPerson } from './signature.js';
import { CommitSnapshot, type TreeReader } from './snapshot.js';
import { type StageOp, StagedTree } from './staged-tree.js';

export const EMPTY_TREE = hashObject('tree', new Uint8Array(0));

/** What a registered model class tells the workspace about its files. */
export interface ModelBinding {
  readonly name: string;
  /** The object a path belongs to under this model's layout, and whether it is the data file. */
  locate(path: string): { id: string; data: boolean } | undefined;
  /** Binds the class to the workspace; called only once every class given to register() checked out. */
  attach(): void;
}

/** Model classes implement this static hook; `ws.register()` calls it. */
export const BIND = Symbol.for('gitmodel.bind');
export interface Bindable {
  [BIND](ws: Workspace): ModelBinding;
}

export interface OpenOptions {
  /** create a bare repository when the path holds none (default true) */
  create?: boolean;
  /** the branch to read and commit (default: the one HEAD names, else `main`) */
  branch?: string;
  /** the default author of this workspace's commits */
  author?: Signature;
}

export interface CommitOptions {
  message: string;
  author?: Signature;
  /** defaults to the author */
  committer?: Signature;
}

export interface Identity {
  name: string;
  email: string;
  date: Date;
  /** minutes east of UTC */
  tzOffset: number;
}

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  author: Identity;
  committer: Identity;
}

export interface StagedChange {
  /** the model the changed file belongs to, or null for a file outside every registered layout */
  model: string | null;
  id: string | null;
  status: 'added' | 'modified' | 'deleted';
  paths: string[];
}

function identity(p: Person): Identity {
  return { name: p.name, email: p.email, date: new Date(p.timestamp * 1000), tzOffset: p.tzOffset };
}

export function commitInfo(c: Commit): CommitInfo {
  return {
    oid: c.oid,
    tree: c.tree,
    parents: c.parents,
    message: c.message,
    author: identity(c.author),
    committer: identity(c.committer),
  };
}

export class Workspace {
  private readonly models = new Map<string, { cls: Function; binding: ModelBinding }>();
  private readonly mutex = new Mutex();
  private readonly index: StagedTree;

  private constructor(
    readonly repo: Repository,
    readonly branch: string,
    private headOid: string | null,
    private headTree: string,
    private readonly author: Signature,
  ) {
    this.index = new StagedTree(repo, headOid ? headTree : null);
  }

  static async open(path: string, options: OpenOptions = {}): Promise<Workspace> {
    if (options.branch !== undefined) {
      const problem = branchNameProblem(options.branch);
      if (problem) throw new InvalidRefNameError({ name: options.branch, reason: problem });
    }
    if (options.author) toPerson(options.author); // checked before anything is created
    const repo = await Repository.open(path, { create: options.create, initialBranch: options.branch });
    const headTarget = await repo.refs.symbolicTarget('HEAD');
    const branch =
      options.branch ?? (headTarget?.startsWith('refs/heads/') ? headTarget.slice('refs/heads/'.length) : 'main');
    const head = await repo.refs.read(`refs/heads/${branch}`);
    const tree = head ? (await repo.readCommit(head)).tree : EMPTY_TREE;
    const author = options.author ?? (await configuredSignature(repo.commondir)) ?? DEFAULT_SIGNATURE;
    toPerson(author); // a configured identity git could not use is refused now, not at the first commit
    return new Workspace(repo, branch, head, tree, author);
  }

  /** The full name of the branch ref. */
  get ref(): string {
    return `refs/heads/${this.branch}`;
  }

  /** The commit the branch pointed at when this workspace last read or moved it (null: unborn). */
  get head(): string | null {
    return this.headOid;
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
    return this.index.treeOid() !== this.headTree;
  }

  /** What is staged against the branch head, object by object. */
  async diff(): Promise<StagedChange[]> {
    const base = this.headOid ? this.headTree : null;
    const changes = new Map<string, StagedChange & { dataStatus?: string }>();
    for await (const change of diffTrees(this.index.readTree, base, this.index.treeOid())) {
      let owner: { model: string; id: string; data: boolean } | undefined;
      for (const { binding } of this.models.values()) {
        const hit = binding.locate(change.path);
        if (hit) owner = { model: binding.name, ...hit };
      }
      const key = owner ? `${owner.model}\0${owner.id}` : `\0${change.path}`;
      const entry = changes.get(key) ?? { model: owner?.model ?? null, id: owner?.id ?? null, status: change.status, paths: [] };
      entry.paths.push(change.path);
      if (owner?.data) entry.dataStatus = change.status;
      entry.status = (entry.dataStatus ?? (entry.paths.length > 1 ? 'modified' : change.status)) as StagedChange['status'];
      changes.set(key, entry);
    }
    return [...changes.values()].map(({ dataStatus: _, ...change }) => change);
  }

  /**
   * Commits what is staged: writes the new blobs and trees and a commit, then moves the branch if
   * it still points where this workspace read it. Returns the commit oid, or null if nothing changed.
   */
  commit(options: CommitOptions): Promise<string | null> {
    return this.mutex.run(async () => {
      const { author, committer } = this.checkCommit(options);
      const tree = this.index.treeOid();
      if (tree === this.headTree) return null;
      const where = (await this.repo.checkedOut()).get(this.ref);
      if (where) throw new BranchCheckedOutError({ branch: this.branch, path: where });
      const content = serializeCommit({
        tree,
        parents: this.headOid ? [this.headOid] : [],
        author,
        committer,
        message: options.message,
      });
      const oid = hashObject('commit', content);
      await this.repo.objects.write([...this.index.newObjects(), { type: 'commit', oid, content }]);
      await this.repo.refs.update(this.ref, oid, this.headOid, committer, `commit: ${options.message}`);
      this.index.markStored();
      this.headOid = oid;
      this.headTree = tree;
      return oid;
    });
  }

  /**
   * Checks commit options without committing, so a save or delete that is to be committed can be
   * refused before it stages anything.
   */
  checkCommit(options: Partial<CommitOptions>): { author: Person; committer: Person } {
    if (typeof options?.message !== 'string') throw new ConfigurationError('a commit needs a message (a string)');
    const author = toPerson(options.author ?? this.author);
    return { author, committer: options.committer ? toPerson(options.committer) : author };
  }

  /** Drops every staged change. */
  discard(): Promise<void> {
    return this.mutex.run(async () => this.index.reset(this.headOid ? this.headTree : null));
  }

  /** Commits of the branch (or of `at`), newest first. */
  async *walk(options: { at?: string } = {}): AsyncGenerator<CommitInfo> {
    const start = options.at ? await this.resolve(options.at) : this.headOid;
    if (!start) return;
    for await (const commit of walkCommits((oid) => this.repo.readCommit(oid), [start])) yield commitInfo(commit);
  }

  /** A commit oid for a revision; `HEAD` is this workspace's branch. */
  resolve(at: string): Promise<string> {
    return this.repo.resolve(at, this.ref);
  }

  /** Files as staged (no `at`) or as of a revision. */
  async reader(at?: string): Promise<TreeReader> {
    if (at === undefined) return this.index;
    return new CommitSnapshot(this.repo, (await this.repo.readCommit(await this.resolve(at))).tree);
  }

  /** Runs a read-check-write step on the index with no other save, delete or commit in between. */
  exclusive<T>(task: (stage: (ops: StageOp[]) => Promise<void>) => Promise<T>): Promise<T> {
    return this.mutex.run(() => task((ops) => this.index.apply(ops)));
  }
}
