// A git repository on disk: finding (or creating) it, and reading commits, trees and blobs through
// caches keyed by oid. Revision expressions (`main~2`, `v1^`, a short oid) resolve here.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { CorruptObjectError, RefNotFoundError, RepositoryNotFoundError } from '../errors.js';
import { type Commit, parseCommit, parseTagTarget } from './commit.js';
import { ConfigSyntaxError, type GitConfig } from './config.js';
import { readConfigFile } from './config-file.js';
import { Lru } from '../util/lru.js';
import { isOid, ObjectStore } from './object-store.js';
import { Refs } from './refs.js';
import { listIfExists, readTextIfExists } from './small-files.js';
import type { Durability } from './durable-write.js';
import { checkRepositoryFormat } from './repository-format.js';
import { isTreeMode, parseTree, type TreeEntry } from './tree.js';

/** A parsed tree, as cached by oid: readonly, shared by every reader. */
export type Tree = ReadonlyMap<string, TreeEntry>;

export interface OpenRepositoryOptions {
  /** create a bare repository when none is there (default true) */
  create?: boolean;
  /** whether writes are flushed to disk before they count (default 'fsync') */
  durability?: Durability;
  /** the branch HEAD names in a repository created here */
  initialBranch?: string;
}

async function kind(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

async function looksLikeGitdir(path: string): Promise<boolean> {
  return (await kind(join(path, 'HEAD'))) === 'file' && (await kind(join(path, 'objects'))) === 'dir';
}

/** Writes a new bare repository's skeleton; HEAD last, so a half-made one is not taken for a repo. */
async function initBare(path: string, branch: string): Promise<void> {
  for (const dir of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) {
    await mkdir(join(path, dir), { recursive: true });
  }
  await writeFile(
    join(path, 'config'),
    '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n',
  );
  await writeFile(join(path, 'HEAD'), `ref: refs/heads/${branch}\n`);
}

export class Repository {
  private readonly commits = new Lru<string, Commit>(8192);
  /** Parsed trees, bounded by their entry count: one folder of 10,000 objects is ~1 MB parsed,
   *  and every commit to it makes a new one. */
  private readonly trees = new Lru<string, Tree>(200_000, (tree) => tree.size + 1);

  private constructor(
    readonly gitdir: string,
    readonly commondir: string,
    /** the working tree, for a repository with a checkout */
    readonly workdir: string | undefined,
    readonly objects: ObjectStore,
    readonly refs: Refs,
  ) {}

  get bare(): boolean {
    return this.workdir === undefined;
  }

  static async open(path: string, options: OpenRepositoryOptions = {}): Promise<Repository> {
    const abs = resolvePath(path);
    const create = options.create ?? true;
    const durability = options.durability ?? 'fsync';
    const what = await kind(abs);
    if (what === 'file') throw new RepositoryNotFoundError({ path: abs, reason: 'the path is a file' });
    if (what === undefined) {
      if (!create) throw new RepositoryNotFoundError({ path: abs, reason: 'the path does not exist' });
      // Built beside the target and renamed into place: a repository appears whole or not at all.
      const temp = join(dirname(abs), `.${basename(abs)}.gitmodel-init-${process.pid}`);
      await mkdir(dirname(abs), { recursive: true });
      await initBare(temp, options.initialBranch ?? 'main');
      try {
        await rename(temp, abs);
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        if (!(await looksLikeGitdir(abs))) throw error;
      }
      return Repository.at(abs, undefined, durability);
    }
    const dotgit = join(abs, '.git');
    const dotgitKind = await kind(dotgit);
    if (dotgitKind === 'dir') return Repository.at(dotgit, abs, durability);
    if (dotgitKind === 'file') {
      const text = await readFile(dotgit, 'utf8');
      const m = /^gitdir: (.+)$/m.exec(text);
      if (!m) throw new RepositoryNotFoundError({ path: abs, reason: '.git is a file without a gitdir line' });
      return Repository.at(resolvePath(abs, m[1].trim()), abs, durability);
    }
    if (await looksLikeGitdir(abs)) {
      const config = await repositoryConfig(abs, abs);
      const nonBare = config.getBoolean('core.bare') === false && basename(abs) === '.git';
      return Repository.at(abs, nonBare ? dirname(abs) : undefined, durability);
    }
    if (create && (await readdir(abs)).length === 0) {
      await initBare(abs, options.initialBranch ?? 'main');
      return Repository.at(abs, undefined, durability);
    }
    throw new RepositoryNotFoundError({
      path: abs,
      reason: 'the directory is neither a git repository nor empty',
    });
  }

  private static async at(gitdir: string, workdir: string | undefined, durability: Durability): Promise<Repository> {
    // a linked worktree's own gitdir holds HEAD; objects and refs live in the common dir
    const common = await readFile(join(gitdir, 'commondir'), 'utf8').catch(() => undefined);
    const commondir = common ? resolvePath(gitdir, common.trim()) : gitdir;
    if ((await kind(join(gitdir, 'HEAD'))) !== 'file' || (await kind(join(commondir, 'objects'))) !== 'dir') {
      throw new RepositoryNotFoundError({ path: gitdir, reason: 'HEAD or objects/ is missing' });
    }
    // before anything is written: a repository in a format we do not implement is left alone
    checkRepositoryFormat(workdir ?? gitdir, await repositoryConfig(commondir, workdir ?? gitdir));
    return new Repository(
      gitdir,
      commondir,
      workdir,
      new ObjectStore(join(commondir, 'objects'), commondir, durability),
      new Refs(gitdir, commondir, workdir !== undefined, durability),
    );
  }

  async readCommit(oid: string): Promise<Commit> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const object = await this.objects.read(oid);
    if (object.type !== 'commit') throw new CorruptObjectError({ path: oid, reason: `expected a commit, found a ${object.type}` });
    const commit = parseCommit(oid, object.content);
    this.commits.set(oid, commit);
    return commit;
  }

  async readTree(oid: string, where = oid): Promise<Tree> {
    const hit = this.trees.get(oid);
    if (hit) return hit;
    const object = await this.objects.read(oid);
    if (object.type !== 'tree') throw new CorruptObjectError({ path: where, reason: `expected a tree, found a ${object.type}` });
    const tree = parseTree(object.content, where);
    this.trees.set(oid, tree);
    return tree;
  }

  async readBlob(oid: string, where = oid): Promise<Uint8Array> {
    const object = await this.objects.read(oid);
    if (object.type !== 'blob') throw new CorruptObjectError({ path: where, reason: `expected a file, found a ${object.type}` });
    return object.content;
  }

  /**
   * The entry at a slash-separated path below a tree, or undefined when there is none. Each tree
   * on the path is searched in its raw bytes, never parsed whole.
   */
  async lookup(treeOid: string, path: string): Promise<TreeEntry | undefined> {
    let entry: TreeEntry | undefined = { mode: '40000', oid: treeOid };
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (!entry || !isTreeMode(entry.mode)) return undefined;
      entry = await this.objects.readTreeEntry(entry.oid, parts[i]);
    }
    return entry;
  }

  /**
   * Resolves a revision to a commit oid, as `git rev-parse` would: a full or abbreviated oid, a ref
   * name (tags before branches, as git looks them up), then any `~N` / `^N` suffixes. `HEAD` means
   * `head` when given (a workspace's own branch).
   */
  async resolve(rev: string, head?: string): Promise<string> {
    const m = /^(.*?)((?:[~^]\d*)*)$/.exec(rev);
    const base = m?.[1] ?? rev;
    if (!base) throw new RefNotFoundError({ ref: rev }, 'empty revision');
    let oid = await this.resolveBase(base === 'HEAD' && head ? head : base);
    if (oid === undefined) throw new RefNotFoundError({ ref: rev });
    oid = await this.peelToCommit(oid, rev);
    for (const step of (m?.[2] ?? '').match(/[~^]\d*/g) ?? []) {
      const n = step.length > 1 ? Number(step.slice(1)) : 1;
      if (step[0] === '~') {
        for (let i = 0; i < n; i++) oid = await this.parent(oid, 0, rev);
      } else if (n > 0) oid = await this.parent(oid, n - 1, rev);
    }
    return oid;
  }

  private async parent(oid: string, index: number, rev: string): Promise<string> {
    const parent = (await this.readCommit(oid)).parents[index];
    if (!parent) throw new RefNotFoundError({ ref: rev }, 'the history is not that long');
    return parent;
  }

  private async resolveBase(name: string): Promise<string | undefined> {
    if (isOid(name) && (await this.objects.has(name))) return name;
    const candidates = name.startsWith('refs/') || /^[A-Z_]+$/.test(name) ? [name] : [];
    candidates.push(`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`);
    for (const ref of candidates) {
      if (/(^|\/)\.\.?(\/|$)|\.\./.test(ref)) continue;
      const oid = await this.refs.read(ref).catch(() => null);
      if (oid) return oid;
    }
    if (/^[0-9a-f]{4,39}$/.test(name)) return this.objects.expand(name);
    return undefined;
  }

  /** Follows annotated tags down to the commit they name. */
  private async peelToCommit(oid: string, rev: string): Promise<string> {
    for (let depth = 0; depth < 10; depth++) {
      const object = await this.objects.tryRead(oid);
      if (!object) throw new RefNotFoundError({ ref: rev }, `object ${oid} is missing`);
      if (object.type === 'commit') return oid;
      if (object.type !== 'tag') throw new RefNotFoundError({ ref: rev }, `it names a ${object.type}, not a commit`);
      oid = parseTagTarget(oid, object.content).object;
    }
    throw new RefNotFoundError({ ref: rev }, 'tag chain too deep');
  }

  /** Branches checked out in a working tree (the main one's and every linked worktree's), with its path. */
  async checkedOut(): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const mainWorkdir = this.commondir === this.gitdir ? this.workdir : await this.mainWorkdir();
    if (mainWorkdir) {
      const head = readTextIfExists(join(this.commondir, 'HEAD')) ?? '';
      if (head.startsWith('ref: ')) result.set(head.slice(5).trim(), mainWorkdir);
    }
    const worktrees = join(this.commondir, 'worktrees');
    for (const name of listIfExists(worktrees)) {
      const head = readTextIfExists(join(worktrees, name, 'HEAD')) ?? '';
      const where = readTextIfExists(join(worktrees, name, 'gitdir')) ?? name;
      if (head.startsWith('ref: ')) result.set(head.slice(5).trim(), dirname(where.trim()));
    }
    return result;
  }

  /** The main working tree of the repository a linked worktree belongs to (none if it is bare). */
  private async mainWorkdir(): Promise<string | undefined> {
    const config = await repositoryConfig(this.commondir, this.commondir);
    return config.getBoolean('core.bare') === true ? undefined : dirname(this.commondir);
  }

  /** The repository's own config file (the shared one, in the common dir), parsed. */
  config(): Promise<GitConfig> {
    return repositoryConfig(this.commondir, this.workdir ?? this.gitdir);
  }
}

/** A repository's config file parsed; one git could not read makes the repository unreadable. */
async function repositoryConfig(commondir: string, path: string): Promise<GitConfig> {
  try {
    return await readConfigFile(join(commondir, 'config'));
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    throw new RepositoryNotFoundError({ path, reason: `its config file cannot be read: ${error.message}` });
  }
}
