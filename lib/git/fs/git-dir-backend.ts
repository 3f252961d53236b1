// A repository's storage as git keeps it: a git directory (objects/, refs/, packed-refs, config)
// on a file system, behind the RepositoryBackend port. discover.ts finds or creates one.
import { platform } from '../../platform/current.js';
import type { Environment } from '../../platform/platform.js';
import { fromUtf8, utf8 } from '../../util/bytes.js';
import type { GitConfig } from '../config.js';
import { applyConfigEdits } from '../config-edit.js';
import type { ConfigEdit, DerivedFiles, Durability, FileSystem, RepositoryBackend } from '../ports.js';
import { replaceLocked, writeAtomic } from './lockfile.js';
import { configLevels, repositoryConfig } from './config-files.js';
import { FsObjectDatabase } from './object-database.js';
import { dirname, join } from './paths.js';
import { FsRefStore } from './ref-store.js';

export interface GitDirLocation {
  /** where HEAD lives (a linked worktree's own directory) */
  readonly gitdir: string;
  /** where objects, refs and config live: the gitdir, or the main repository's for a linked worktree */
  readonly commondir: string;
  /** the working tree, for a repository with a checkout */
  readonly workdir?: string;
}

export class GitDirBackend implements RepositoryBackend {
  readonly objects: FsObjectDatabase;
  readonly refs: FsRefStore;
  readonly gitdir: string;
  readonly commondir: string;
  readonly workdir: string | undefined;

  constructor(
    readonly fs: FileSystem,
    where: GitDirLocation,
    readonly durability: Durability = 'fsync',
    /** the environment config levels are read with (default: the platform's, at each read) */
    private readonly env?: Environment,
  ) {
    this.gitdir = where.gitdir;
    this.commondir = where.commondir;
    this.workdir = where.workdir;
    this.objects = new FsObjectDatabase(fs, join(this.commondir, 'objects'), durability);
    // git keeps reflogs in repositories with a working tree (core.logAllRefUpdates)
    this.refs = new FsRefStore(fs, this.gitdir, this.commondir, this.workdir !== undefined, durability);
  }

  get describe(): string {
    return this.workdir ?? this.gitdir;
  }

  /** Derived files under `<commondir>/gitmodel/`: shared by linked worktrees, ignored by git. */
  readonly derived: DerivedFiles = {
    read: (name) => this.fs.readFile(join(this.commondir, 'gitmodel', name)),
    write: async (name, bytes) => {
      const path = join(this.commondir, 'gitmodel', name);
      await this.fs.mkdirp(dirname(path));
      // a cache: renamed into place whole, never flushed
      await writeAtomic(this.fs, path, bytes, 'atomic', false);
    },
    remove: (name) => this.fs.remove(join(this.commondir, 'gitmodel', name)),
    list: async (folder) =>
      (await this.fs.list(join(this.commondir, 'gitmodel', folder)))
        .filter((e) => !e.isDirectory)
        .map((e) => e.name)
        .sort(),
  };

  /** The repository's own config file (the shared one, in the common dir). */
  repositoryConfig(): Promise<GitConfig> {
    return repositoryConfig(this.fs, this.commondir, this.describe);
  }

  async config(): Promise<GitConfig> {
    return configLevels(this.fs, await this.repositoryConfig(), this.env ?? platform().environment?.() ?? {});
  }

  /** Rewrites the repository's config file under config.lock (created exclusively, flushed, renamed). */
  async editConfig(edits: readonly ConfigEdit[]): Promise<void> {
    const path = join(this.commondir, 'config');
    await replaceLocked(this.fs, path, 'config', async () => utf8(applyConfigEdits(await this.readText(path), edits)), this.durability);
  }

  /** Branches checked out in a working tree (the main one's and every linked worktree's), with its path. */
  async checkedOut(): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    const mainWorkdir = this.commondir === this.gitdir ? this.workdir : await this.mainWorkdir();
    if (mainWorkdir) {
      const head = await this.readText(join(this.commondir, 'HEAD'));
      if (head.startsWith('ref: ')) result.set(head.slice(5).trim(), mainWorkdir);
    }
    const worktrees = join(this.commondir, 'worktrees');
    for (const { name } of await this.fs.list(worktrees)) {
      const head = await this.readText(join(worktrees, name, 'HEAD'));
      const where = (await this.readText(join(worktrees, name, 'gitdir'))) || name;
      if (head.startsWith('ref: ')) result.set(head.slice(5).trim(), dirname(where.trim()));
    }
    return result;
  }

  private async readText(path: string): Promise<string> {
    const bytes = await this.fs.readFile(path);
    return bytes ? fromUtf8(bytes) : '';
  }

  /** The main working tree of the repository a linked worktree belongs to (none if it is bare). */
  private async mainWorkdir(): Promise<string | undefined> {
    const config = await repositoryConfig(this.fs, this.commondir, this.commondir);
    return config.getBoolean('core.bare') === true ? undefined : dirname(this.commondir);
  }
}
